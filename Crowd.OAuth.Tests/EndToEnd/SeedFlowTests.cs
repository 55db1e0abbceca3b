using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Authorization;
using Crowd.OAuth.Tests.Infrastructure;
using Parameters = Crowd.OAuth.Core.Protocol.Parameters;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.Playwright;

namespace Crowd.OAuth.Tests.EndToEnd;

/// <summary>
/// Whole flows over real HTTP against the real server process: the seed page's flow with a real
/// browser and its curl commands, and a client library we did not write configuring itself from
/// the metadata alone.
/// </summary>
[Category("Process")]
[NonParallelizable]
public sealed class SeedFlowTests
{
    private ServerProcess _server = null!;
    private string _baseUrl = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var port = LocalCluster.FreePort();
        _baseUrl = $"http://127.0.0.1:{port}";
        var env = ServerProcess.DefaultEnvironment(TestDatabase.ConnectionString);
        env["CROWDOAUTH_OAuth2Provider__BaseUrl"] = _baseUrl;
        env["CROWDOAUTH_OAuth2Provider__SkipBaseUrlHttpsRequirement"] = "true";
        env["ASPNETCORE_ENVIRONMENT"] = "Development"; // plain-http cookies on loopback
        _server = ServerProcess.Start(port, env);
        await _server.WaitUntilLiveAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string pathAndQuery)
    {
        // curl -X POST https://host/rest/oauth2/latest/token?...: no body at all
        var response = await http.PostAsync(pathAndQuery, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Test]
    [Requirement("SPEC-3-code-issued", "SPEC-4-params-form-or-query", "SPEC-4-refresh-rotation", "SPEC-5-server-info", "SPEC-4-pkce-instead-of-secret")]
    public async Task SeedFlow_BrowserThenCurlExchangeAndRefresh_NewTokenWorksOldOnesRefused()
    {
        var admin = await Seed.UserAsync(admin: true);
        var client = await Seed.ClientAsync(redirects: ["http://127.0.0.1/cb"]);
        using var callback = new LoopbackCallback();
        var redirectUri = callback.RedirectUri;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        // The seed's authorize URL: client_id, redirect_uri, response_type, state, scope, code_challenge, S256
        await page.GotoAsync($"{_baseUrl}/rest/oauth2/latest/authorize?client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString(redirectUri)}&response_type=code&state=STATE-42&scope=SYSTEM_ADMIN&code_challenge={OAuthTestClient.Challenge}&code_challenge_method=S256");
        await page.GetByLabel("Username").FillAsync(admin.Username);
        await page.GetByLabel("Password").FillAsync(admin.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();
        var query = await callback.QueryAsync();
        Assert.That(query[Parameters.State], Is.EqualTo("STATE-42"));
        Assert.That(query[Parameters.Iss], Is.EqualTo(_baseUrl));

        using var http = _server.CreateClient();
        // The seed's exchange: query string, code_verifier instead of the secret
        var first = await PostAsync(http, $"/rest/oauth2/latest/token?client_id={client.ClientId}&code={Uri.EscapeDataString(query[Parameters.Code])}&grant_type=authorization_code&redirect_uri={Uri.EscapeDataString(redirectUri)}&code_verifier={OAuthTestClient.Verifier}");
        Assert.That(first.GetProperty("token_type").GetString(), Is.EqualTo("bearer"));
        var oldAccess = first.GetProperty("access_token").GetString()!;
        var oldRefresh = first.GetProperty("refresh_token").GetString()!;
        // The seed's refresh: query string with the secret, and a redirect_uri that is accepted and ignored
        var second = await PostAsync(http, $"/rest/oauth2/latest/token?client_id={client.ClientId}&client_secret={client.Secret}&refresh_token={oldRefresh}&grant_type=refresh_token&redirect_uri={Uri.EscapeDataString(redirectUri)}");
        var newAccess = second.GetProperty("access_token").GetString()!;

        var info = new HttpRequestMessage(HttpMethod.Get, "/rest/admin/1.0/server-info");
        info.Headers.Authorization = new AuthenticationHeaderValue("Bearer", newAccess);
        Assert.That((await http.SendAsync(info)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var stale = new HttpRequestMessage(HttpMethod.Get, "/rest/admin/1.0/server-info");
        stale.Headers.Authorization = new AuthenticationHeaderValue("Bearer", oldAccess);
        Assert.That((await http.SendAsync(stale)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var reuse = await http.PostAsync($"/rest/oauth2/latest/token?client_id={client.ClientId}&client_secret={client.Secret}&refresh_token={oldRefresh}&grant_type=refresh_token", null);
        Assert.That(reuse.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    [Requirement("SPEC-6-metadata", "SPEC-6-introspection-response", "SPEC-6-revocation", "RFC6749-2.3.1-basic-auth")]
    public async Task GenericClientLibrary_FromMetadataAlone_CompletesCodeFlowRefreshIntrospectAndRevoke()
    {
        var user = await Seed.UserAsync();
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test/callback"], scope: Scopes.User);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(_baseUrl),
        };

        // Duende.IdentityModel: discovery from the RFC 8414 document alone (no OpenID Connect, no key set)
        var disco = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = _baseUrl,
            Policy = new DiscoveryPolicy
            {
                DiscoveryDocumentPath = "/.well-known/oauth-authorization-server",
                RequireHttps = false, RequireKeySet = false, AllowHttpOnLoopback = true,
            },
        });
        Assert.That(disco.IsError, Is.False, disco.Error);

        var verifier = CryptoRandom.CreateUniqueId(43, CryptoRandom.OutputFormat.Base64Url);
        var challenge = Pkce.S256Challenge(verifier);
        var state = CryptoRandom.CreateUniqueId(16);
        var authorizeUrl = new RequestUrl(disco.AuthorizeEndpoint!).CreateAuthorizeUrl(
            clientId: client.ClientId, responseType: OidcConstants.ResponseTypes.Code, scope: Scopes.User,
            redirectUri: client.RedirectUri, state: state, codeChallenge: challenge, codeChallengeMethod: OidcConstants.CodeChallengeMethods.Sha256);

        // A person logs in and allows (the pages, over HTTP with cookies)
        var pages = new PageClient(http);
        await pages.LogInAsync(user);
        var consent = await pages.OpenConsentAsync(authorizeUrl[_baseUrl.Length..]);
        var decision = await pages.PostAsync(consent, (AuthorizationEndpoints.DecisionField, AuthorizationEndpoints.Allow));
        var callback = new AuthorizeResponse(decision.Headers.Location!.OriginalString);
        Assert.That(callback.IsError, Is.False, callback.Error);
        Assert.That(callback.State, Is.EqualTo(state));

        var tokens = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = disco.TokenEndpoint,
            ClientId = client.ClientId,
            ClientSecret = client.Secret,
            ClientCredentialStyle = ClientCredentialStyle.AuthorizationHeader,
            Code = callback.Code!,
            RedirectUri = client.RedirectUri,
            CodeVerifier = verifier,
        });
        Assert.That(tokens.IsError, Is.False, tokens.Error);
        Assert.That(tokens.ExpiresIn, Is.EqualTo(7200));

        var refreshed = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = disco.TokenEndpoint, ClientId = client.ClientId, ClientSecret = client.Secret, RefreshToken = tokens.RefreshToken!,
        });
        Assert.That(refreshed.IsError, Is.False, refreshed.Error);

        var introspection = await http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = disco.IntrospectionEndpoint, ClientId = client.ClientId, ClientSecret = client.Secret, Token = refreshed.AccessToken!,
        });
        Assert.That(introspection.IsError, Is.False, introspection.Error);
        Assert.That(introspection.IsActive, Is.True);

        var revocation = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = disco.RevocationEndpoint, ClientId = client.ClientId, ClientSecret = client.Secret,
            Token = refreshed.RefreshToken!, TokenTypeHint = OidcConstants.TokenTypes.RefreshToken,
        });
        Assert.That(revocation.IsError, Is.False, revocation.Error);
        var after = await http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = disco.IntrospectionEndpoint, ClientId = client.ClientId, ClientSecret = client.Secret, Token = refreshed.AccessToken!,
        });
        Assert.That(after.IsActive, Is.False);
    }
}
