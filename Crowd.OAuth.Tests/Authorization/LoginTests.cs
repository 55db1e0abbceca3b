using System.Net;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Authorization;

/// <summary>/login and /logout: the session, its cookie, anti-forgery, return URLs.</summary>
public sealed class LoginTests
{
    private CrowdOAuthFactory _factory = null!;

    [OneTimeSetUp]
    public void StartServer() => _factory = new CrowdOAuthFactory();

    [OneTimeTearDown]
    public Task StopServer() => _factory.DisposeAsync().AsTask();

    private static Task<HttpResponseMessage> SubmitLoginAsync(PageClient browser, HtmlForm form, string username, string password) =>
        browser.PostAsync(form, (LoginEndpoints.UsernameField, username), (LoginEndpoints.PasswordField, password));

    private static async Task<HtmlForm> LoginFormAsync(PageClient browser, string url = LoginEndpoints.LoginPath)
    {
        var (response, html) = await browser.GetPageAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return PageClient.Forms(html).Single();
    }

    [Test]
    [Requirement("SPEC-3-page-headers", "RFC9700-4.16-clickjacking")]
    public async Task LoginPage_Get_AccessibleFormWithTokenAndSecurityHeaders()
    {
        using var browser = PageClient.For(_factory);
        var (response, html) = await browser.GetPageAsync(LoginEndpoints.LoginPath);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        AuthorizeEndpointTests.AssertSecurityHeaders(response);
        Assert.That(html, Does.Contain("<html lang=\"en\">").And.Contain("<label for=\"username\">").And.Contain("<label for=\"password\">").And.Contain("<h1>"));
        Assert.That(html, Does.Not.Contain("<script"));
        Assert.That(PageClient.Forms(html).Single().Fields.Keys, Does.Contain("__RequestVerificationToken"));
    }

    [Test]
    [Requirement("SPEC-1-user-login")]
    public async Task Login_RightCredentials_303ToReturnUrlWithHardenedSessionCookie()
    {
        var user = await Seed.UserAsync();
        using var browser = PageClient.For(_factory);
        var form = await LoginFormAsync(browser, "/login?returnUrl=%2Fplugins%2Fservlet%2Foauth2%2Fconsent%3Fx%3D1");
        var response = await SubmitLoginAsync(browser, form, user.Username, user.Password);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/plugins/servlet/oauth2/consent?x=1"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("crowd.session=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.That(cookie, Does.Contain("httponly").And.Contain("samesite=lax").And.Contain("secure").And.Contain("path=/"));
    }

    [TestCase("unknown")]
    [TestCase("wrong-password")]
    [TestCase("deactivated")]
    [Requirement("SPEC-1-user-login")]
    public async Task Login_BadCredentials_SameGenericMessageAndNoSession(string kind)
    {
        var user = await Seed.UserAsync(active: kind != "deactivated");
        using var browser = PageClient.For(_factory);
        var form = await LoginFormAsync(browser);
        var response = await SubmitLoginAsync(browser, form,
            kind == "unknown" ? Seed.Unique("nobody") : user.Username,
            kind == "wrong-password" ? user.Password + "x" : user.Password);
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain(LoginEndpoints.InvalidCredentials));
        Assert.That(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("crowd.session=", StringComparison.Ordinal)), Is.False);
    }

    [TestCase("missing")]
    [TestCase("foreign")]
    [Requirement("RFC6749-10.12-csrf")]
    public async Task Login_PostWithoutOrWithForeignToken_400AndNoSession(string kind)
    {
        var user = await Seed.UserAsync();
        using var attacker = PageClient.For(_factory);
        var attackerForm = await LoginFormAsync(attacker);
        using var victim = PageClient.For(_factory);
        await LoginFormAsync(victim); // the victim has an anti-forgery cookie of its own
        var fields = new Dictionary<string, string>
        {
            [LoginEndpoints.UsernameField] = user.Username,
            [LoginEndpoints.PasswordField] = user.Password,
        };
        if (kind == "foreign") fields["__RequestVerificationToken"] = attackerForm.Fields["__RequestVerificationToken"];

        var response = await victim.PostAsync(LoginEndpoints.LoginPath, fields);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("crowd.session=", StringComparison.Ordinal)), Is.False);
        var after = await victim.GetAsync(Flow.AuthorizeUrl(await Seed.ClientAsync()));
        Assert.That(after.Headers.Location!.OriginalString, Does.StartWith(LoginEndpoints.LoginPath), "still not logged in");
    }

    [TestCase("//evil.example")]
    [TestCase("//evil.example/path")]
    [TestCase("/\\evil.example")]
    [TestCase("\\\\evil.example")]
    [TestCase("https://evil.example")]
    [TestCase("http:evil.example")]
    [TestCase("javascript:alert(1)")]
    [TestCase("/\t/evil.example")]
    [TestCase("/\r\n/evil.example")]
    [TestCase("evil.example")]
    [Requirement("RFC9700-2.1-no-open-redirector", "SPEC-3-login-local-return")]
    public async Task Login_NonLocalReturnUrl_IgnoredAndGoesHome(string returnUrl)
    {
        var user = await Seed.UserAsync();
        using var browser = PageClient.For(_factory);
        var form = await LoginFormAsync(browser);
        var response = await browser.PostAsync(form, (LoginEndpoints.UsernameField, user.Username), (LoginEndpoints.PasswordField, user.Password),
            (LoginEndpoints.ReturnUrlParameter, returnUrl));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo(LoginEndpoints.LoginPath));
        var (home, html) = await browser.GetPageAsync(LoginEndpoints.LoginPath);
        Assert.That(home.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("You are signed in"));
    }

    [TestCase("//evil.example")]
    [TestCase("https://evil.example")]
    [Requirement("RFC9700-2.1-no-open-redirector", "SPEC-3-login-local-return")]
    public async Task LoginPage_LoggedInWithNonLocalReturnUrl_ShowsHomeNotRedirect(string returnUrl)
    {
        var user = await Seed.UserAsync();
        using var browser = PageClient.For(_factory);
        await browser.LogInAsync(user);
        var response = await browser.GetAsync("/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("/", true)]
    [TestCase("/rest/oauth2/latest/authorize?client_id=a&state=%0D%0A", true)]
    [TestCase("//evil.example", false)]
    [TestCase("/\\evil.example", false)]
    [TestCase("", false)]
    [TestCase("/ä", false)]
    [TestCase("/a b", false)]
    [Requirement("RFC9700-2.1-no-open-redirector", "SPEC-3-login-local-return")]
    public void LocalReturnUrl_Value_OnlyPathsOfThisServer(string value, bool local) =>
        Assert.That(LoginEndpoints.LocalReturnUrl(value), local ? Is.EqualTo(value) : Is.Null);

    [TestCase("deactivated")]
    [TestCase("deleted")]
    [Requirement("SPEC-1-user-active")]
    public async Task Session_UserDeactivatedOrDeleted_TreatedAsLoggedOut(string kind)
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        using var browser = PageClient.For(_factory);
        await browser.LogInAsync(user);
        Assert.That((await browser.GetAsync(Flow.AuthorizeUrl(client))).Headers.Location!.OriginalString, Does.StartWith("/plugins/servlet/oauth2/consent"));

        if (kind == "deactivated")
        {
            await new UserStore(TestDatabase.DataSource).SetActiveAsync(user.User.Id, false, DateTimeOffset.UtcNow, CancellationToken.None);
        }
        else
        {
            await using var cmd = TestDatabase.DataSource.CreateCommand("DELETE FROM users WHERE id = $1");
            cmd.Parameters.AddWithValue(user.User.Id);
            await cmd.ExecuteNonQueryAsync();
        }

        var response = await browser.GetAsync(Flow.AuthorizeUrl(client));
        Assert.That(response.Headers.Location!.OriginalString, Does.StartWith(LoginEndpoints.LoginPath + "?returnUrl="));
        var consent = await browser.GetAsync($"/plugins/servlet/oauth2/consent?client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}&response_type=code&code_challenge_method=S256&code_challenge={Flow.Challenge}");
        Assert.That(consent.Headers.Location!.OriginalString, Does.StartWith(LoginEndpoints.LoginPath + "?returnUrl="));
    }

    [Test]
    public async Task Logout_WithToken_EndsSessionAndGoesToLocalReturnUrl()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        using var browser = PageClient.For(_factory);
        await browser.LogInAsync(user);
        var (_, home) = await browser.GetPageAsync(LoginEndpoints.LoginPath);
        var logout = PageClient.Forms(home).Single(f => f.Action == LoginEndpoints.LogoutPath);

        var response = await browser.PostAsync(logout, (LoginEndpoints.ReturnUrlParameter, "/rest/oauth2/latest/authorize?x=1"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/rest/oauth2/latest/authorize?x=1"));
        Assert.That((await browser.GetAsync(Flow.AuthorizeUrl(client))).Headers.Location!.OriginalString, Does.StartWith(LoginEndpoints.LoginPath + "?"));
    }

    [Test]
    [Requirement("RFC6749-10.12-csrf")]
    public async Task Logout_WithoutToken_400AndSessionKept()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        using var browser = PageClient.For(_factory);
        await browser.LogInAsync(user);

        var response = await browser.PostAsync(LoginEndpoints.LogoutPath, new Dictionary<string, string>());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await browser.GetAsync(Flow.AuthorizeUrl(client))).Headers.Location!.OriginalString, Does.StartWith("/plugins/servlet/oauth2/consent"));
    }

    [Test]
    [Requirement("RFC6749-10.14-sanitize")]
    public async Task LoginPage_ReturnUrlWithMarkup_EncodedInHiddenField()
    {
        using var browser = PageClient.For(_factory);
        var (_, html) = await browser.GetPageAsync("/login?returnUrl=" + Uri.EscapeDataString("/x?\"><script>alert(1)</script>"));
        Assert.That(html, Does.Not.Contain("<script>"));
        Assert.That(PageClient.Forms(html).Single().Fields[LoginEndpoints.ReturnUrlParameter], Is.EqualTo("/x?\"><script>alert(1)</script>"));
    }
}
