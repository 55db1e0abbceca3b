using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Crowd.OAuth.Bench;

/// <summary>The registered client the bench drives (created by the server's dev-seed command).</summary>
public sealed record ClientInfo(string ClientId, string ClientSecret, string RedirectUri);

/// <summary>A pair from the token endpoint. Never printed.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken);

/// <summary>A request that did not answer as the protocol says; the message carries status and OAuth error code only.</summary>
public sealed class ProtocolFailure(string kind) : Exception(kind)
{
    public string Kind { get; } = kind;
}

/// <summary>
/// One user agent: its own cookies (session and anti-forgery), on a shared connection pool. Cookies are
/// kept by hand rather than by CookieContainer because the server marks its session cookie Secure
/// outside Development, and the bench talks plain http on loopback (as a TLS-terminating proxy would).
/// </summary>
public sealed partial class Browser(HttpClient http, Uri baseUrl, ClientInfo client)
{
    public const string AuthorizePath = "/rest/oauth2/latest/authorize";
    public const string ConsentPath = "/plugins/servlet/oauth2/consent";
    public const string TokenPath = "/rest/oauth2/latest/token";
    public const string MyselfPath = "/rest/api/1.0/myself";

    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public HttpClient Http => http;

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (_cookies.Count > 0) request.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                var pair = setCookie.Split(';', 2)[0];
                var eq = pair.IndexOf('=');
                if (eq <= 0) continue;
                var name = pair[..eq].Trim();
                var value = pair[(eq + 1)..].Trim();
                var expired = setCookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase);
                if (value.Length == 0 || expired) _cookies.Remove(name); else _cookies[name] = value;
            }
        }
        return response;
    }

    private Uri U(string pathAndQuery) => new(baseUrl, pathAndQuery);

    /// <summary>GET /login, then POST /login with the form's anti-forgery token.</summary>
    public async Task LogInAsync(string username, string password, CancellationToken ct)
    {
        using var page = await SendAsync(new HttpRequestMessage(HttpMethod.Get, U("/login")), ct);
        Expect(page, HttpStatusCode.OK, "login page");
        var html = await page.Content.ReadAsStringAsync(ct);
        var fields = HiddenFields(html);
        fields["username"] = username;
        fields["password"] = password;
        using var post = await SendAsync(new HttpRequestMessage(HttpMethod.Post, U("/login")) { Content = new FormUrlEncodedContent(fields) }, ct);
        Expect(post, HttpStatusCode.SeeOther, "login");
        if (!_cookies.ContainsKey("crowd.session")) throw new ProtocolFailure("login: no session cookie");
    }

    /// <summary>
    /// One whole authorization of the logged-in user: authorize → consent page → consent POST (Allow)
    /// → code exchange with the PKCE verifier (client_secret_post).
    /// </summary>
    public async Task<TokenPair> AuthorizeAsync(string scope, CancellationToken ct)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(12));
        var query = Query(
            ("client_id", client.ClientId), ("redirect_uri", client.RedirectUri), ("response_type", "code"), ("scope", scope),
            ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"));

        using var authorize = await SendAsync(new HttpRequestMessage(HttpMethod.Get, U(AuthorizePath + "?" + query)), ct);
        Expect(authorize, HttpStatusCode.SeeOther, "authorize");
        var consentUrl = authorize.Headers.Location ?? throw new ProtocolFailure("authorize: no Location");
        if (!consentUrl.OriginalString.StartsWith(ConsentPath, StringComparison.Ordinal)) throw new ProtocolFailure("authorize: not sent to consent");

        using var consent = await SendAsync(new HttpRequestMessage(HttpMethod.Get, U(consentUrl.OriginalString)), ct);
        Expect(consent, HttpStatusCode.OK, "consent page");
        var html = await consent.Content.ReadAsStringAsync(ct);
        var formStart = html.IndexOf($"action=\"{ConsentPath}\"", StringComparison.Ordinal);
        var formEnd = formStart < 0 ? -1 : html.IndexOf("</form>", formStart, StringComparison.Ordinal);
        if (formEnd < 0) throw new ProtocolFailure("consent page: no form");
        var fields = HiddenFields(html[formStart..formEnd]);
        fields["decision"] = "allow";

        using var decision = await SendAsync(new HttpRequestMessage(HttpMethod.Post, U(ConsentPath)) { Content = new FormUrlEncodedContent(fields) }, ct);
        Expect(decision, HttpStatusCode.SeeOther, "consent");
        var callback = decision.Headers.Location ?? throw new ProtocolFailure("consent: no Location");
        var parameters = ParseQuery(callback.Query);
        if (!parameters.TryGetValue("code", out var code)) throw new ProtocolFailure($"consent: {parameters.GetValueOrDefault("error", "no code")}");
        if (parameters.GetValueOrDefault("state") != state) throw new ProtocolFailure("consent: state changed");

        return await TokenRequestAsync(
        [
            new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", client.RedirectUri),
            new("client_id", client.ClientId), new("client_secret", client.ClientSecret), new("code_verifier", verifier),
        ], "code exchange", ct);
    }

    /// <summary>grant_type=refresh_token with client_secret_post: the rotated pair.</summary>
    public Task<TokenPair> RefreshAsync(string refreshToken, CancellationToken ct) => TokenRequestAsync(RefreshForm(refreshToken), "refresh", ct);

    public KeyValuePair<string, string>[] RefreshForm(string refreshToken) =>
    [
        new("grant_type", "refresh_token"), new("refresh_token", refreshToken),
        new("client_id", client.ClientId), new("client_secret", client.ClientSecret),
    ];

    /// <summary>A token endpoint answer: the pair on 200, else a <see cref="ProtocolFailure"/> naming the error.</summary>
    public static TokenPair ReadTokens(int status, ReadOnlySpan<byte> body, string what)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var json = JsonDocument.ParseValue(ref reader);
            if (status == 200)
            {
                return new TokenPair(json.RootElement.GetProperty("access_token").GetString()!, json.RootElement.GetProperty("refresh_token").GetString()!);
            }
            var error = json.RootElement.TryGetProperty("error", out var e) ? e.GetString() : "?";
            throw new ProtocolFailure($"{what}: {status} {error}");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ProtocolFailure($"{what}: {status} unreadable body");
        }
    }

    private async Task<TokenPair> TokenRequestAsync(KeyValuePair<string, string>[] form, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, U(TokenPath)) { Content = new FormUrlEncodedContent(form) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return ReadTokens((int)response.StatusCode, body, what);
    }

    /// <summary>GET /rest/api/1.0/myself with a bearer token; the status code (the body is read in full).</summary>
    public static async Task<HttpStatusCode> MyselfAsync(HttpClient http, Uri url, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        return response.StatusCode;
    }

    private static void Expect(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        if (response.StatusCode != status) throw new ProtocolFailure($"{what}: {(int)response.StatusCode}");
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]*)" value="([^"]*)">""")]
    private static partial Regex HiddenInput();

    /// <summary>The hidden inputs of a form, HTML-decoded (the server encodes every value).</summary>
    public static Dictionary<string, string> HiddenFields(string html)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in HiddenInput().Matches(html)) fields[WebUtility.HtmlDecode(m.Groups[1].Value)] = WebUtility.HtmlDecode(m.Groups[2].Value);
        return fields;
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            result[Uri.UnescapeDataString(kv[0])] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "";
        }
        return result;
    }

    private static string Query(params (string Name, string Value)[] parameters) =>
        string.Join("&", parameters.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}"));

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
