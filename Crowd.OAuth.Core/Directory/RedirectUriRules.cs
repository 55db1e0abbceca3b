using Crowd.OAuth.Core.Settings;

namespace Crowd.OAuth.Core.Directory;

/// <summary>
/// What a registered redirect URI may be (spec §7). The authorization endpoint later compares
/// redirect URIs as exact strings, so these rules look at the string as given, not at a
/// normalised form of it.
/// </summary>
public static class RedirectUriRules
{
    public const int MaxLength = 450;

    /// <summary>Hosts on which plain http is allowed (RFC 8252 §7.3, §8.3).</summary>
    public static readonly IReadOnlySet<string> LoopbackHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "127.0.0.1", "[::1]", "localhost",
    };

    /// <summary>Schemes that run or read content instead of reaching a client, refused in any letter case.</summary>
    public static readonly IReadOnlySet<string> ForbiddenSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "javascript", "data", "file", "vbscript",
    };

    private const string Https = "https";
    private const string Http = "http";

    /// <summary>Null when <paramref name="uri"/> may be registered, else the public reason it may not.</summary>
    public static string? Check(string? uri, OAuth2ProviderOptions options)
    {
        if (string.IsNullOrEmpty(uri)) return "must not be empty";
        // spec §7: at most 450 characters
        if (uri.Length > MaxLength) return $"must be at most {MaxLength} characters";
        // RFC 3986 §2: a URI is ASCII without spaces or control characters (others are percent-encoded)
        if (uri.Any(c => c <= ' ' || c >= '\u007f')) return "must not contain spaces, control or non-ASCII characters (percent-encode them)";
        // RFC 3986 §2: a backslash is no URI character; browsers read it as a slash
        if (uri.Contains('\\')) return "must not contain a backslash";
        // spec §7, RFC 9700 §2.1: exact matching only, no wildcards
        if (uri.Contains('*')) return "must not contain a wildcard (*)";
        // RFC 6749 §3.1.2: the redirection endpoint URI must not include a fragment
        if (uri.Contains('#')) return "must not contain a fragment (#)";

        // RFC 6749 §3.1.2: the redirection endpoint URI must be an absolute URI
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !IsScheme(uri.AsSpan(0, colon))) return "must be an absolute URI with a scheme";
        var scheme = uri[..colon];
        // spec §7: never javascript:, data:, file: (nor vbscript:), in any letter case
        if (ForbiddenSchemes.Contains(scheme)) return $"must not use the {scheme.ToLowerInvariant()}: scheme";
        if (!Uri.TryCreate(uri, UriKind.Absolute, out _)) return "must be an absolute URI";

        var isHttps = scheme.Equals(Https, StringComparison.OrdinalIgnoreCase);
        var isHttp = scheme.Equals(Http, StringComparison.OrdinalIgnoreCase);
        if (!isHttps && !isHttp)
        {
            // RFC 8252 §8.4: a native app's private-use scheme is a reverse domain name (it contains a dot), as §7.1 defines
            return scheme.Contains('.')
                ? null
                : "must use https, http on a loopback address, or a private-use scheme such as com.example.app";
        }

        var rest = uri[(colon + 1)..];
        if (!rest.StartsWith("//", StringComparison.Ordinal)) return "must be an absolute URI with a host";
        var authority = rest[2..];
        var end = authority.IndexOfAny(['/', '?']);
        if (end >= 0) authority = authority[..end];
        // RFC 3986 §3.2.1: no user information (https://app.example@evil.example hides the real host; RFC 9700 section 4.1.1)
        if (authority.Contains('@')) return "must not contain user information (@) before the host";
        var host = HostOf(authority);
        if (host.Length == 0) return "must name a host";

        var loopback = LoopbackHosts.Contains(host);
        // spec §8 DisallowLocalhostRedirect: no redirect to the user's own machine
        if (loopback && options.DisallowLocalhostRedirect) return "must not point to a loopback address (DisallowLocalhostRedirect is set)";
        if (isHttps) return null;
        // RFC 8252 §7.3: plain http is acceptable on the loopback interface
        if (loopback) return null;
        // RFC 6749 §3.1.2.1, RFC 9700 §2.6: https elsewhere, unless SkipRedirectUrlHttpsRequirement or DevMode
        return options.HttpsRedirectRequired
            ? "must use https (plain http only on 127.0.0.1, [::1] or localhost)"
            : null;
    }

    // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    private static bool IsScheme(ReadOnlySpan<char> value)
    {
        if (!char.IsAsciiLetter(value[0])) return false;
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.')) return false;
        }
        return true;
    }

    /// <summary>The host of an authority as written, without the port ("[::1]" keeps its brackets).</summary>
    private static string HostOf(string authority)
    {
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? authority : authority[..(close + 1)];
        }
        var colon = authority.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? authority : authority[..colon];
    }
}
