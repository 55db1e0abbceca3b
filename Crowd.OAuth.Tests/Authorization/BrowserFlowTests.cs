using System.Net;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Crowd.OAuth.Tests.Authorization;

/// <summary>
/// Login and consent through a real browser (Debian's Chromium, driven by Playwright) against the
/// real server process, and the same flow split over two server processes sharing one database.
/// The client's redirect URI is a loopback listener of the test's own (any port, RFC 8252 §7.3).
/// </summary>
[Category("Process")]
[NonParallelizable]
public sealed class BrowserFlowTests
{
    private ServerProcess _nodeA = null!;
    private ServerProcess _nodeB = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _nodeA = ServerProcess.Start(ServerProcess.DefaultEnvironment(TestDatabase.ConnectionString));
        _nodeB = ServerProcess.Start(ServerProcess.DefaultEnvironment(TestDatabase.ConnectionString));
        await Task.WhenAll(_nodeA.WaitUntilLiveAsync(), _nodeB.WaitUntilLiveAsync());
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_nodeA is not null) await _nodeA.DisposeAsync();
        if (_nodeB is not null) await _nodeB.DisposeAsync();
    }

    private async Task<(IBrowserContext Context, IPage Page)> NewPageAsync()
    {
        var context = await _browser.NewContextAsync();
        return (context, await context.NewPageAsync());
    }

    private static async Task LogInAsync(IPage page, SeededUser user)
    {
        await page.GetByLabel("Username").FillAsync(user.Username);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    private string AuthorizeUrl(ServerProcess node, SeededClient client, LoopbackCallback callback, string state) =>
        new Uri(node.BaseAddress, Flow.AuthorizeUrl(client, (Parameters.RedirectUri, callback.RedirectUri), (Parameters.State, state), (Parameters.Scope, Scopes.User))).ToString();

    [Test]
    [Requirement("SPEC-3-login-redirect", "SPEC-3-code-issued", "RFC9207-2-iss", "RFC8252-7.3-loopback-port", "SPEC-3-consent-every-time")]
    public async Task Browser_LogInAndAllow_ClientReceivesCodeWithStateAndIss()
    {
        var client = await Seed.ClientAsync(redirects: ["http://127.0.0.1/cb"]);
        var user = await Seed.UserAsync();
        using var callback = new LoopbackCallback();
        var (context, page) = await NewPageAsync();
        await using var _ = context;

        await page.GotoAsync(AuthorizeUrl(_nodeA, client, callback, "state-1"));
        Assert.That(page.Url, Does.Contain(LoginEndpoints.LoginPath + "?returnUrl="));
        await LogInAsync(page, user);

        Assert.That(page.Url, Does.Contain(AuthorizationEndpoints.ConsentPath));
        Assert.That(await page.Locator("h1").InnerTextAsync(), Does.Contain(client.Client.Name));
        Assert.That(await page.ContentAsync(), Does.Contain(Scopes.Find(Scopes.User)!.Title));
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();

        var query = await callback.QueryAsync();
        Assert.That(query[Parameters.State], Is.EqualTo("state-1"));
        Assert.That(query[Parameters.Iss], Is.EqualTo("https://crowd.example.test"));
        Assert.That(query[Parameters.Code], Has.Length.GreaterThanOrEqualTo(22));
        Assert.That(await Flow.CountCodesAsync(client), Is.EqualTo(1));
    }

    [Test]
    [Requirement("SPEC-3-deny")]
    public async Task Browser_Deny_ClientReceivesAccessDenied()
    {
        var client = await Seed.ClientAsync(redirects: ["http://127.0.0.1/cb"]);
        var user = await Seed.UserAsync();
        using var callback = new LoopbackCallback();
        var (context, page) = await NewPageAsync();
        await using var _ = context;

        await page.GotoAsync(AuthorizeUrl(_nodeA, client, callback, "state-2"));
        await LogInAsync(page, user);
        await page.GetByRole(AriaRole.Button, new() { Name = "Deny", Exact = true }).ClickAsync();

        var query = await callback.QueryAsync();
        Assert.That(query[Parameters.Error], Is.EqualTo(Errors.AccessDenied));
        Assert.That(query[Parameters.State], Is.EqualTo("state-2"));
        Assert.That(query[Parameters.Iss], Is.EqualTo("https://crowd.example.test"));
        Assert.That(await Flow.CountCodesAsync(client), Is.Zero);
    }

    [Test]
    [Requirement("SPEC-3-consent-every-time", "RFC8252-8.6-no-auto-approval")]
    public async Task Browser_AlreadyLoggedIn_OnlyTheConsentPage()
    {
        var client = await Seed.ClientAsync(redirects: ["http://127.0.0.1/cb"]);
        var user = await Seed.UserAsync();
        var (context, page) = await NewPageAsync();
        await using var _ = context;
        using (var first = new LoopbackCallback())
        {
            await page.GotoAsync(AuthorizeUrl(_nodeA, client, first, "one"));
            await LogInAsync(page, user);
            await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();
            await first.QueryAsync();
        }

        using var second = new LoopbackCallback();
        var response = await page.GotoAsync(AuthorizeUrl(_nodeA, client, second, "two"));

        Assert.That(response!.Status, Is.EqualTo(200));
        Assert.That(page.Url, Does.Contain(AuthorizationEndpoints.ConsentPath), "no login page the second time, but consent again");
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();
        var query = await second.QueryAsync();
        Assert.That(query[Parameters.State], Is.EqualTo("two"));
        Assert.That(await Flow.CountCodesAsync(client), Is.EqualTo(2));
    }

    [Test]
    [Requirement("SPEC-9-stateless-nodes")]
    public async Task TwoNodes_LoginAndConsentPageOnOneDecisionOnTheOther_CodeIssued()
    {
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test/cb"]);
        var user = await Seed.UserAsync();
        var jar = new SharedCookieJar();
        using var a = _nodeA.CreateClient();
        using var b = _nodeB.CreateClient();
        Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, Dictionary<string, string>? form = null) =>
            jar.SendAsync(http, method, url, form);

        // Log in on A.
        var loginPage = await (await SendAsync(a, HttpMethod.Get, LoginEndpoints.LoginPath)).Content.ReadAsStringAsync();
        var login = PageClient.Forms(loginPage).Single();
        var fields = new Dictionary<string, string>(login.Fields) { [LoginEndpoints.UsernameField] = user.Username, [LoginEndpoints.PasswordField] = user.Password };
        Assert.That((await SendAsync(a, HttpMethod.Post, LoginEndpoints.LoginPath, fields)).StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));

        // The session made on A is good on B; the consent page is shown by B.
        var toConsent = await SendAsync(b, HttpMethod.Get, Flow.AuthorizeUrl(client, (Parameters.State, "multi")));
        Assert.That(toConsent.Headers.Location!.OriginalString, Does.StartWith(AuthorizationEndpoints.ConsentPath));
        var consentPage = await SendAsync(b, HttpMethod.Get, toConsent.Headers.Location!.OriginalString);
        Assert.That(consentPage.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var consent = PageClient.Forms(await consentPage.Content.ReadAsStringAsync()).Single(f => f.Action == AuthorizationEndpoints.ConsentPath);

        // The decision (anti-forgery token and integrity value made by B) is accepted by A.
        var decision = new Dictionary<string, string>(consent.Fields) { [AuthorizationEndpoints.DecisionField] = AuthorizationEndpoints.Allow };
        var response = await SendAsync(a, HttpMethod.Post, AuthorizationEndpoints.ConsentPath, decision);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), await response.Content.ReadAsStringAsync());
        var query = Flow.Query(response.Headers.Location!.OriginalString);
        Assert.That(query[Parameters.State], Is.EqualTo("multi"));
        Assert.That(await Flow.CountCodesAsync(client), Is.EqualTo(1));
    }
}
