namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// One browser's cookies carried to several server processes on 127.0.0.1 (nodes behind a load
/// balancer), whatever the cookies' Secure flag: the nodes are plain http on loopback.
/// </summary>
public sealed class SharedCookieJar
{
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public async Task<HttpResponseMessage> SendAsync(HttpClient node, HttpMethod method, string url, IReadOnlyDictionary<string, string>? form = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (_cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(kv => $"{kv.Key}={kv.Value}")));
        if (form is not null) request.Content = new FormUrlEncodedContent(form);
        var response = await node.SendAsync(request);
        foreach (var cookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = cookie.Split(';')[0].Split('=', 2);
            _cookies[pair[0]] = pair[1];
        }
        return response;
    }
}
