using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>A token-endpoint answer: status, JSON body, headers.</summary>
public sealed record TokenAnswer(HttpStatusCode Status, JsonElement Body, HttpResponseHeaders Headers)
{
    public string? Error => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("error", out var e) ? e.GetString() : null;
    public string AccessToken => Body.GetProperty("access_token").GetString()!;
    public string RefreshToken => Body.GetProperty("refresh_token").GetString()!;
    public string Scope => Body.GetProperty("scope").GetString()!;
}

/// <summary>Drives the token endpoint and the protected API the way a client would, over HTTP.</summary>
public sealed class OAuthTestClient(HttpClient http, IServiceProvider services)
{
    public const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"; // RFC 7636 Appendix B
    public const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    public HttpClient Http => http;

    /// <summary>A code as the consent page would issue it, through the real issuer.</summary>
    public async Task<string> IssueCodeAsync(SeededClient client, SeededUser user, string? challenge = Challenge,
        string? method = CodeChallengeMethods.S256, string? redirectUri = null, string scope = Scopes.SystemAdmin)
    {
        var issuer = services.GetRequiredService<AuthorizationCodeIssuer>();
        return await issuer.IssueAsync(new ApprovedAuthorization(client.Client, user.User, redirectUri ?? client.RedirectUri,
            scope, challenge, challenge is null ? null : method), CancellationToken.None);
    }

    public Task<TokenAnswer> PostFormAsync(IEnumerable<KeyValuePair<string, string>> form, AuthenticationHeaderValue? authorization = null, string? query = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/rest/oauth2/latest/token" + query) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = authorization;
        return SendAsync(request);
    }

    public async Task<TokenAnswer> SendAsync(HttpRequestMessage request)
    {
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new TokenAnswer(response.StatusCode, body, response.Headers);
    }

    public Task<TokenAnswer> ExchangeAsync(SeededClient client, string code, string? verifier = Verifier, bool sendSecret = true, string? redirectUri = null)
    {
        var form = new Dictionary<string, string>
        {
            [Parameters.GrantType] = GrantTypes.AuthorizationCode,
            [Parameters.Code] = code,
            [Parameters.RedirectUri] = redirectUri ?? client.RedirectUri,
            [Parameters.ClientId] = client.ClientId,
        };
        if (verifier is not null) form[Parameters.CodeVerifier] = verifier;
        if (sendSecret && client.Secret is not null) form[Parameters.ClientSecret] = client.Secret;
        return PostFormAsync(form);
    }

    public Task<TokenAnswer> RefreshAsync(SeededClient client, string refreshToken, string? scope = null) =>
        SendAsync(RefreshRequest(client, refreshToken, scope));

    /// <summary>The refresh request <see cref="RefreshAsync"/> sends (client_secret_post), to be sent as is or decorated.</summary>
    public static HttpRequestMessage RefreshRequest(SeededClient client, string refreshToken, string? scope = null)
    {
        var form = new Dictionary<string, string>
        {
            [Parameters.GrantType] = GrantTypes.RefreshToken,
            [Parameters.RefreshToken] = refreshToken,
            [Parameters.ClientId] = client.ClientId,
        };
        if (client.Secret is not null) form[Parameters.ClientSecret] = client.Secret;
        if (scope is not null) form[Parameters.Scope] = scope;
        return new HttpRequestMessage(HttpMethod.Post, "/rest/oauth2/latest/token") { Content = new FormUrlEncodedContent(form) };
    }

    /// <summary>Code issued and exchanged: a fresh token pair.</summary>
    public async Task<TokenAnswer> ObtainTokensAsync(SeededClient client, SeededUser user, string scope = Scopes.SystemAdmin)
    {
        var code = await IssueCodeAsync(client, user, scope: scope);
        var answer = await ExchangeAsync(client, code);
        if (answer.Status != HttpStatusCode.OK) throw new InvalidOperationException($"exchange failed: {answer.Body}");
        return answer;
    }

    public Task<HttpResponseMessage> GetWithBearerAsync(string path, string accessToken) => http.SendAsync(BearerRequest(path, accessToken));

    public static HttpRequestMessage BearerRequest(string path, string accessToken) =>
        new(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", accessToken) } };

    public static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));
}
