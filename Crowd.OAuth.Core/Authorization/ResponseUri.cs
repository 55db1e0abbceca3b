namespace Crowd.OAuth.Core.Authorization;

/// <summary>Builds the URIs the authorization endpoint sends people to, every value percent-encoded.</summary>
public static class ResponseUri
{
    /// <summary>
    /// Appends <paramref name="parameters"/> (null values skipped) to <paramref name="baseUri"/>, keeping a
    /// query it already has (RFC 6749 §3.1.2: the query component must be retained). Each name and value
    /// is percent-encoded, so no CR, LF or markup can leave a value.
    /// </summary>
    public static string Append(string baseUri, IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var query = string.Join('&', parameters
            .Where(p => p.Value is not null)
            // RFC 6749 §10.14: state and every other echoed value are percent-encoded
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value!)));
        if (query.Length == 0) return baseUri;
        var separator = !baseUri.Contains('?') ? "?" : baseUri.EndsWith('?') || baseUri.EndsWith('&') ? "" : "&";
        return baseUri + separator + query;
    }

    public static KeyValuePair<string, string?> P(string name, string? value) => new(name, value);
}
