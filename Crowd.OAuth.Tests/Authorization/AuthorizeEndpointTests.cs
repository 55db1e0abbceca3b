using System.Net;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Authorization;

/// <summary>GET /rest/oauth2/latest/authorize over HTTP: where each outcome of spec §3 sends the browser.</summary>
public sealed class AuthorizeEndpointTests
{
    private CrowdOAuthFactory _factory = null!;

    [OneTimeSetUp]
    public void StartServer() => _factory = new CrowdOAuthFactory();

    [OneTimeTearDown]
    public Task StopServer() => _factory.DisposeAsync().AsTask();

    public static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Multiple(() =>
        {
            Assert.That(csp, Does.Contain("default-src 'none'").And.Contain("frame-ancestors 'none'").And.Contain("form-action 'self'").And.Contain("style-src 'self'"));
            Assert.That(csp, Does.Not.Contain("unsafe-inline").And.Not.Contain("script-src"));
            Assert.That(response.Headers.GetValues("X-Frame-Options").Single(), Is.EqualTo("DENY"));
            Assert.That(response.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("no-referrer"));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        });
    }

    private async Task<HttpResponseMessage> GetAsync(string url)
    {
        using var http = _factory.CreateHttpClient();
        return await http.GetAsync(url);
    }

    private static void AssertErrorPageRedirect(HttpResponseMessage response, string expectedError)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        var location = response.Headers.Location!.OriginalString;
        Assert.That(location, Does.StartWith(AuthorizationEndpoints.ErrorPath + "?"), "never a Location to the client");
        Assert.That(Flow.Query(location)[AuthorizationEndpoints.ErrorNameParameter], Is.EqualTo(expectedError));
    }

    [Test]
    [Requirement("SPEC-3-invalid-client-no-redirect", "SPEC-3-redirect-303", "RFC9700-4.12-no-307")]
    public async Task Authorize_UnknownClient_303ToErrorPage()
    {
        var client = await Seed.ClientAsync();
        var response = await GetAsync(Flow.AuthorizeUrl(client, (Parameters.ClientId, "00000000000000000000000000000000")));
        AssertErrorPageRedirect(response, Errors.InvalidClient);
        AssertSecurityHeaders(response);
    }

    [TestCase(Parameters.ClientId)]
    [TestCase(Parameters.RedirectUri)]
    [Requirement("SPEC-3-invalid-client-no-redirect", "RFC6749-3.1.2.4-no-redirect-invalid", "SPEC-3-param-once", "RFC6749-3.1-param-rules")]
    public async Task Authorize_MissingOrEmptyClientOrRedirect_303ToErrorPage(string name)
    {
        var client = await Seed.ClientAsync();
        AssertErrorPageRedirect(await GetAsync(Flow.AuthorizeUrl(client, (name, null))), Errors.InvalidRequest);
        AssertErrorPageRedirect(await GetAsync(Flow.AuthorizeUrl(client, (name, ""))), Errors.InvalidRequest);
    }

    [TestCase("/cb/../evil")]
    [TestCase("/cb/%2e%2e/evil")]
    [TestCase("/%2e%2e/cb")]
    [TestCase("/cb/")]
    [TestCase("/CB")]
    [TestCase("/cb?extra=1")]
    [TestCase("\\cb")]
    [TestCase("@evil.example/cb")]
    [TestCase(".evil.example/cb")]
    [Requirement("RFC6749-3.1.2.4-no-redirect-invalid", "SPEC-3-invalid-client-no-redirect", "RFC9700-2.1-exact-redirect", "SPEC-3-redirect-exact", "RFC6749-3.1.2.3-compare")]
    public async Task Authorize_HostileRedirectUri_303ToErrorPageNeverToClient(string suffix)
    {
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test/cb"]);
        var response = await GetAsync(Flow.AuthorizeUrl(client, (Parameters.RedirectUri, "https://app.example.test" + suffix)));
        AssertErrorPageRedirect(response, Errors.InvalidRequest);
    }

    [TestCase("https://evil.example@app.example.test/cb")]
    [TestCase("https://APP.EXAMPLE.TEST/cb")]
    [TestCase("HTTPS://app.example.test/cb")]
    [Requirement("RFC6749-3.1.2.4-no-redirect-invalid", "SPEC-3-invalid-client-no-redirect", "RFC9700-2.1-exact-redirect", "SPEC-3-redirect-exact", "RFC6749-3.1.2.3-compare")]
    public async Task Authorize_UserinfoOrCaseChange_303ToErrorPage(string redirectUri)
    {
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test/cb"]);
        AssertErrorPageRedirect(await GetAsync(Flow.AuthorizeUrl(client, (Parameters.RedirectUri, redirectUri))), Errors.InvalidRequest);
    }

    [Test]
    [Requirement("RFC8252-7.3-loopback-port")]
    public async Task Authorize_LoopbackRedirectWithOtherPort_AcceptedAndErrorsGoThere()
    {
        var client = await Seed.ClientAsync(redirects: ["http://127.0.0.1/cb"]);
        var response = await GetAsync(Flow.AuthorizeUrl(client, (Parameters.RedirectUri, "http://127.0.0.1:50123/cb"), (Parameters.ResponseType, "token")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Does.StartWith("http://127.0.0.1:50123/cb?error=unsupported_response_type"));
    }

    [TestCase("http://localhost:50123/cb", "http://localhost/cb")]
    [TestCase("https://127.0.0.1:50123/cb", "https://127.0.0.1/cb")]
    [Requirement("RFC8252-7.3-loopback-port")]
    public async Task Authorize_PortChangeOnLocalhostNameOrHttps_303ToErrorPage(string requested, string registered)
    {
        var client = await Seed.ClientAsync(redirects: [registered]);
        AssertErrorPageRedirect(await GetAsync(Flow.AuthorizeUrl(client, (Parameters.RedirectUri, requested))), Errors.InvalidRequest);
    }

    [TestCase(Parameters.ResponseType, null, Errors.InvalidRequest)]
    [TestCase(Parameters.ResponseType, "token", Errors.UnsupportedResponseType)]
    [TestCase(Parameters.Scope, "READ", Errors.InvalidScope)]
    [TestCase(Parameters.Scope, "SYSTEM_ADMIN", Errors.InvalidScope)]
    [TestCase(Parameters.CodeChallenge, "too-short", Errors.InvalidRequest)]
    [TestCase(Parameters.CodeChallengeMethod, "plain", Errors.InvalidRequest)]
    [TestCase(Parameters.CodeChallengeMethod, null, Errors.InvalidRequest)]
    [TestCase(Parameters.CodeChallenge, null, Errors.InvalidRequest)]
    [Requirement("RFC6749-4.1.2.1-error-redirect", "SPEC-3-error-redirect", "RFC9207-2-iss", "RFC9700-4.4.2-mix-up", "RFC6749-4.1.2-state-echo", "SPEC-3-redirect-303", "RFC9700-4.12-no-307", "RFC6749-4.1.1-validate-first")]
    public async Task Authorize_RedirectableError_303ToClientWithErrorStateAndIss(string name, string? value, string expected)
    {
        var client = await Seed.ClientAsync(scope: "USER");
        var response = await GetAsync(Flow.AuthorizeUrl(client, (name, value), (Parameters.State, "s t/ä")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        var location = response.Headers.Location!.OriginalString;
        Assert.That(location, Does.StartWith(client.RedirectUri + "?"));
        var query = Flow.Query(location);
        Assert.That(query[Parameters.Error], Is.EqualTo(expected));
        Assert.That(query[Parameters.ErrorDescription], Is.Not.Empty);
        Assert.That(query[Parameters.State], Is.EqualTo("s t/ä"));
        Assert.That(query[Parameters.Iss], Is.EqualTo(CrowdOAuthFactory.BaseUrl));
        Assert.That(query.ContainsKey(Parameters.Code), Is.False);
    }

    [Test]
    [Requirement("RFC6749-4.1.2.1-error-redirect", "SPEC-3-error-redirect")]
    public async Task Authorize_ErrorWithoutState_NoStateParameter()
    {
        var client = await Seed.ClientAsync();
        var response = await GetAsync(Flow.AuthorizeUrl(client, (Parameters.ResponseType, "token"), (Parameters.State, null)));
        Assert.That(Flow.Query(response.Headers.Location!.OriginalString).ContainsKey(Parameters.State), Is.False);
    }

    [Test]
    [Requirement("RFC6749-3.1.2-keep-query")]
    public async Task Authorize_RedirectUriWithQuery_ErrorAppendedWithAmpersand()
    {
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test/cb?tenant=a"]);
        var response = await GetAsync(Flow.AuthorizeUrl(client, (Parameters.ResponseType, "token")));
        Assert.That(response.Headers.Location!.OriginalString, Does.StartWith("https://app.example.test/cb?tenant=a&error=unsupported_response_type&"));
    }

    [TestCase(Parameters.ClientId)]
    [TestCase(Parameters.RedirectUri)]
    [TestCase(Parameters.State)]
    [TestCase(Parameters.Scope)]
    [TestCase(Parameters.CodeChallenge)]
    [Requirement("SPEC-3-param-once", "RFC6749-3.1-param-rules")]
    public async Task Authorize_RepeatedParameter_303ToErrorPage(string name)
    {
        var client = await Seed.ClientAsync();
        var url = Flow.AuthorizeUrl(client, (Parameters.Scope, "USER"));
        var existing = Flow.Query(url)[name];
        AssertErrorPageRedirect(await GetAsync($"{url}&{name}={Uri.EscapeDataString(existing)}"), Errors.InvalidRequest);
    }

    [Test]
    [Requirement("SPEC-3-param-once", "RFC6749-3.1-param-rules")]
    public async Task Authorize_EmptyScopeAndUnknownParameter_TreatedAsAbsentAndIgnored()
    {
        var client = await Seed.ClientAsync(scope: "USER");
        var response = await GetAsync(Flow.AuthorizeUrl(client, (Parameters.Scope, ""), ("prompt", "none"), ("nonce", "n")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Does.StartWith(LoginEndpoints.LoginPath + "?returnUrl="));
    }

    [Test]
    [Requirement("SPEC-3-login-redirect")]
    public async Task Authorize_NotLoggedIn_303ToLoginReturningToThisRequest()
    {
        var client = await Seed.ClientAsync();
        var url = Flow.AuthorizeUrl(client);
        var response = await GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        var location = response.Headers.Location!.OriginalString;
        Assert.That(location, Does.StartWith(LoginEndpoints.LoginPath + "?returnUrl="));
        Assert.That(Flow.Query(location)[LoginEndpoints.ReturnUrlParameter], Is.EqualTo(url));
    }

    [Test]
    [Requirement("SPEC-3-consent-url", "SPEC-3-pkce-method-case")]
    public async Task Authorize_LoggedIn_303ToCrowdConsentUrl()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        using var browser = PageClient.For(_factory);
        await browser.LogInAsync(user);
        var response = await browser.GetAsync(Flow.AuthorizeUrl(client, (Parameters.State, "abc"), (Parameters.CodeChallengeMethod, "s256")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo(
            $"{AuthorizationEndpoints.ConsentPath}?client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}&response_type=code" +
            $"&scope=SYSTEM_ADMIN&state=abc&code_challenge_method=S256&code_challenge={Flow.Challenge}"));
    }

    [Test]
    [Requirement("RFC6749-10.14-sanitize", "RFC6749-4.1.2.1-error-redirect", "RFC6749-4.1.2-state-echo")]
    public async Task Authorize_StateWithCrLfAndMarkup_PercentEncodedNeverAHeader()
    {
        var client = await Seed.ClientAsync();
        const string state = "a\r\nSet-Cookie: pwned=1\r\n\r\n<script>alert(1)</script>";
        var response = await GetAsync(Flow.AuthorizeUrl(client, (Parameters.ResponseType, "token"), (Parameters.State, state)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.Contains("pwned")), Is.False);
        var location = response.Headers.Location!.OriginalString;
        Assert.That(location, Does.Not.Contain("\r").And.Not.Contain("\n").And.Not.Contain("<"));
        Assert.That(Flow.Query(location)[Parameters.State], Is.EqualTo(state));
    }

    [Test]
    [Requirement("SPEC-3-invalid-client-no-redirect", "RFC6749-10.14-sanitize", "SPEC-3-page-headers", "RFC9700-4.16-clickjacking", "RFC9700-4.2.4-referrer")]
    public async Task ErrorPage_MarkupInValues_Status400AndEncoded()
    {
        var response = await GetAsync($"{AuthorizationEndpoints.ErrorPath}?errorName=invalid_request&errorDescription={Uri.EscapeDataString("<script>alert(1)</script>")}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        Assert.That(html, Does.Not.Contain("<script>"));
        Assert.That(html, Does.Contain("&lt;script&gt;"));
        AssertSecurityHeaders(response);
    }

    [Test]
    [Requirement("RFC6749-10.14-sanitize")]
    public async Task ErrorPage_UnknownErrorName_ShownAsInvalidRequest()
    {
        var response = await GetAsync($"{AuthorizationEndpoints.ErrorPath}?errorName={Uri.EscapeDataString("<b>call us</b>")}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(html, Does.Not.Contain("call us"));
        Assert.That(html, Does.Contain(Errors.InvalidRequest));
    }

    [Test]
    public async Task Stylesheet_Get_ServedAsCss()
    {
        var response = await GetAsync("/static/site.css");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/css"));
    }
}
