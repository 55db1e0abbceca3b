namespace Crowd.OAuth.Core.Authorization;

/// <summary>
/// Compares a requested redirect URI with a client's registered ones (RFC 6749 §3.1.2.3, RFC 9700 §2.1).
/// Strings are compared as they are: no normalisation, no prefix, no wildcard, no case folding.
/// </summary>
public static class RedirectUriMatcher
{
    private static readonly string[] LoopbackPrefixes = ["http://127.0.0.1", "http://[::1]"];

    /// <summary>The registered URI the request matches, or null.</summary>
    public static string? FindMatch(string requested, IEnumerable<string> registered)
    {
        foreach (var candidate in registered)
        {
            if (Matches(requested, candidate)) return candidate;
        }
        return null;
    }

    public static bool Matches(string requested, string registered)
    {
        // RFC 6749 §3.1.2.3 and RFC 9700 §2.1: simple string comparison
        if (string.Equals(requested, registered, StringComparison.Ordinal)) return true;
        // RFC 8252 §7.3: on a loopback IP literal over http, any port is allowed; everything else must be identical
        return SplitLoopback(requested) is { } r && SplitLoopback(registered) is { } g
            && r.Prefix == g.Prefix && string.Equals(r.Tail, g.Tail, StringComparison.Ordinal);
    }

    /// <summary>
    /// For <c>http://127.0.0.1[:port]rest</c> or <c>http://[::1][:port]rest</c>, the prefix and what follows
    /// the port, where the rest is empty or starts with "/", "?" or "#"; otherwise null.
    /// </summary>
    private static (string Prefix, string Tail)? SplitLoopback(string uri)
    {
        foreach (var prefix in LoopbackPrefixes)
        {
            if (!uri.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var i = prefix.Length;
            if (i < uri.Length && uri[i] == ':')
            {
                var start = ++i;
                while (i < uri.Length && char.IsAsciiDigit(uri[i])) i++;
                var digits = i - start;
                if (digits is < 1 or > 5 || int.Parse(uri.AsSpan(start, digits)) is < 1 or > 65535) return null;
            }
            var rest = uri[i..];
            if (rest.Length > 0 && rest[0] is not ('/' or '?' or '#')) return null;
            return (prefix, rest);
        }
        return null;
    }
}
