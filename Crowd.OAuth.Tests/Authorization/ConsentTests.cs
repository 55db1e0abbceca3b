using System.Net;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Authorization;

/// <summary>The consent page and its decision (spec §3.5, §3.6).</summary>
public sealed class ConsentTests
{
    private CrowdOAuthFactory _factory = null!;

    [OneTimeSetUp]
    public void StartServer() => _factory = new CrowdOAuthFactory();

    [OneTimeTearDown]
    public Task StopServer() => _factory.DisposeAsync().AsTask();

    private async Task<(PageClient Browser, SeededUser User)> LoggedInAsync()
    {
        var user = await Seed.UserAsync();
        var browser = PageClient.For(_factory);
        await browser.LogInAsync(user);
        return (browser, user);
    }

    [Test]
    [Requirement("SPEC-3-consent-page", "SPEC-3-page-headers", "RFC9700-4.16-clickjacking", "RFC6749-10.14-sanitize", "RFC6749-10.2-explicit-consent")]
    public async Task Consent_Get_ShowsClientUserAndScopesEncodedWithHeaders()
    {
        var client = await Seed.ClientAsync(name: "<img src=x onerror=alert(1)> " + Seed.Unique("app"), scope: Scopes.SystemAdmin);
        var (browser, user) = await LoggedInAsync();
        using var _ = browser;
        var authorize = await browser.GetAsync(Flow.AuthorizeUrl(client, (Parameters.State, "\"><script>alert(2)</script>")));
        var (response, html) = await browser.GetPageAsync(authorize.Headers.Location!.OriginalString);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        AuthorizeEndpointTests.AssertSecurityHeaders(response);
        Assert.That(html, Does.Not.Contain("<img").And.Not.Contain("<script"));
        Assert.That(html, Does.Contain("&lt;img src=x onerror=alert(1)&gt;"));
        Assert.That(html, Does.Contain(user.User.DisplayName).And.Contain(user.Username));
        foreach (var scope in Scopes.Catalogue)
        {
            Assert.That(html, Does.Contain(scope.Title).And.Contain(scope.Description), "SYSTEM_ADMIN includes USER: both are shown");
        }
        var forms = PageClient.Forms(html);
        Assert.That(forms.Select(f => f.Action), Is.EquivalentTo(new[] { AuthorizationEndpoints.ConsentPath, LoginEndpoints.LogoutPath }));
        Assert.That(forms[0].Fields[Parameters.State], Is.EqualTo("\"><script>alert(2)</script>"));
        Assert.That(html, Does.Contain("value=\"allow\"").And.Contain("value=\"deny\""));
    }

    [Test]
    public async Task Consent_Get_FormActionAllowsOnlySelfAndTheRedirectOrigin()
    {
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test:8443/cb"]);
        var (browser, _) = await LoggedInAsync();
        using var __ = browser;
        var authorize = await browser.GetAsync(Flow.AuthorizeUrl(client));
        var response = await browser.GetAsync(authorize.Headers.Location!.OriginalString);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.That(csp, Does.Contain("form-action 'self' https://app.example.test:8443;"));
    }

    [Test]
    [Requirement("SPEC-3-code-issued", "RFC9207-2-iss", "RFC6749-4.1.2-state-echo", "RFC7636-4.4-bind-challenge", "SPEC-1-code-hashed", "RFC6749-3.1.2-keep-query")]
    public async Task Consent_Allow_303ToClientWithCodeStateIssAndCodeBoundToRequest()
    {
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test/cb?tenant=a"], scope: Scopes.SystemAdmin);
        var (browser, user) = await LoggedInAsync();
        using var _ = browser;
        var form = await browser.OpenConsentAsync(Flow.AuthorizeUrl(client, (Parameters.Scope, Scopes.User), (Parameters.State, "st&=ü")));

        var response = await browser.PostAsync(form, (AuthorizationEndpoints.DecisionField, AuthorizationEndpoints.Allow));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        AuthorizeEndpointTests.AssertSecurityHeaders(response);
        var location = response.Headers.Location!.OriginalString;
        Assert.That(location, Does.StartWith("https://app.example.test/cb?tenant=a&code="));
        var query = Flow.Query(location);
        Assert.That(query[Parameters.State], Is.EqualTo("st&=ü"));
        Assert.That(query[Parameters.Iss], Is.EqualTo(CrowdOAuthFactory.BaseUrl));

        await using var cmd = TestDatabase.DataSource.CreateCommand(
            "SELECT user_id, redirect_uri, scope, code_challenge, code_challenge_method, expires_at - created_at FROM authorization_codes WHERE code_hash = $1");
        cmd.Parameters.AddWithValue(Secrets.Digest(query[Parameters.Code]));
        await using var row = await cmd.ExecuteReaderAsync();
        Assert.That(await row.ReadAsync(), Is.True, "the code is stored by its digest");
        Assert.That(row.GetGuid(0), Is.EqualTo(user.User.Id));
        Assert.That(row.GetString(1), Is.EqualTo("https://app.example.test/cb?tenant=a"));
        Assert.That(row.GetString(2), Is.EqualTo(Scopes.User));
        Assert.That(row.GetString(3), Is.EqualTo(Flow.Challenge));
        Assert.That(row.GetString(4), Is.EqualTo(CodeChallengeMethods.S256));
        Assert.That(row.GetFieldValue<TimeSpan>(5), Is.EqualTo(TimeSpan.FromSeconds(60)));

        var audit = await LastAuditAsync(client.ClientId);
        Assert.That(audit, Is.EqualTo((AuditActions.AuthorizationGranted, user.Username)));
        Assert.That(await AuditMentionsAsync(client.ClientId, query[Parameters.Code]), Is.False, "never the code");
    }

    [Test]
    [Requirement("SPEC-3-deny", "RFC9207-2-iss", "RFC6749-4.1.2-state-echo")]
    public async Task Consent_Deny_303AccessDeniedWithStateAndIssAndNoCode()
    {
        var client = await Seed.ClientAsync();
        var (browser, user) = await LoggedInAsync();
        using var _ = browser;
        var form = await browser.OpenConsentAsync(Flow.AuthorizeUrl(client, (Parameters.State, "s1")));

        var response = await browser.PostAsync(form, (AuthorizationEndpoints.DecisionField, AuthorizationEndpoints.Deny));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        var query = Flow.Query(response.Headers.Location!.OriginalString);
        Assert.That(response.Headers.Location!.OriginalString, Does.StartWith(client.RedirectUri + "?error=access_denied"));
        Assert.That(query[Parameters.State], Is.EqualTo("s1"));
        Assert.That(query[Parameters.Iss], Is.EqualTo(CrowdOAuthFactory.BaseUrl));
        Assert.That(await Flow.CountCodesAsync(client), Is.Zero);
        Assert.That(await LastAuditAsync(client.ClientId), Is.EqualTo((AuditActions.AuthorizationDenied, user.Username)));
    }

    [Test]
    [Requirement("SPEC-3-consent-every-time", "RFC8252-8.6-no-auto-approval")]
    public async Task Authorize_AfterAnAllow_AsksConsentAgain()
    {
        var client = await Seed.ClientAsync();
        var (browser, _) = await LoggedInAsync();
        using var _b = browser;
        var form = await browser.OpenConsentAsync(Flow.AuthorizeUrl(client));
        Assert.That((await browser.PostAsync(form, (AuthorizationEndpoints.DecisionField, AuthorizationEndpoints.Allow))).StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));

        var again = await browser.GetAsync(Flow.AuthorizeUrl(client));

        Assert.That(again.Headers.Location!.OriginalString, Does.StartWith(AuthorizationEndpoints.ConsentPath + "?"));
        Assert.That(await Flow.CountCodesAsync(client), Is.EqualTo(1));
    }

    [TestCase("missing")]
    [TestCase("foreign")]
    [Requirement("RFC6749-10.12-csrf", "SPEC-3-consent-antiforgery")]
    public async Task Consent_PostWithoutOrWithForeignToken_400AndNoCode(string kind)
    {
        var client = await Seed.ClientAsync();
        var (victim, _) = await LoggedInAsync();
        using var _v = victim;
        var form = await victim.OpenConsentAsync(Flow.AuthorizeUrl(client));
        var (attacker, _) = await LoggedInAsync();
        using var _a = attacker;
        var attackerForm = await attacker.OpenConsentAsync(Flow.AuthorizeUrl(client));

        var fields = new Dictionary<string, string>(form.Fields) { [AuthorizationEndpoints.DecisionField] = AuthorizationEndpoints.Allow };
        if (kind == "missing") fields.Remove("__RequestVerificationToken");
        else fields["__RequestVerificationToken"] = attackerForm.Fields["__RequestVerificationToken"];
        var response = await victim.PostAsync(AuthorizationEndpoints.ConsentPath, fields);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.Location, Is.Null);
        Assert.That(await Flow.CountCodesAsync(client), Is.Zero);
    }

    [TestCase(Parameters.Scope, Scopes.SystemAdmin)]
    [TestCase(Parameters.RedirectUri, "https://app.example.test/other")]
    [TestCase(Parameters.State, "changed")]
    [TestCase(Parameters.CodeChallenge, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase(Parameters.CodeChallengeMethod, "plain")]
    [TestCase("consent_integrity", "garbage")]
    [Requirement("SPEC-3-consent-revalidates")]
    public async Task Consent_TamperedPost_400AndNoCode(string field, string value)
    {
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test/cb", "https://app.example.test/other"]);
        var (browser, _) = await LoggedInAsync();
        using var _b = browser;
        var form = await browser.OpenConsentAsync(Flow.AuthorizeUrl(client, (Parameters.Scope, Scopes.User)));

        var response = await browser.PostAsync(form, (field, value), (AuthorizationEndpoints.DecisionField, AuthorizationEndpoints.Allow));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.Location, Is.Null);
        Assert.That(await Flow.CountCodesAsync(client), Is.Zero);
    }

    [Test]
    [Requirement("SPEC-3-consent-revalidates")]
    public async Task Consent_FormOfOneClientPostedWithAnotherClientId_400AndNoCode()
    {
        var client = await Seed.ClientAsync();
        var other = await Seed.ClientAsync();
        var (browser, _) = await LoggedInAsync();
        using var _b = browser;
        var form = await browser.OpenConsentAsync(Flow.AuthorizeUrl(client));

        var response = await browser.PostAsync(form, (Parameters.ClientId, other.ClientId), (AuthorizationEndpoints.DecisionField, AuthorizationEndpoints.Allow));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await Flow.CountCodesAsync(client) + await Flow.CountCodesAsync(other), Is.Zero);
    }

    [Test]
    [Requirement("SPEC-3-consent-antiforgery", "SPEC-3-consent-revalidates")]
    public async Task Consent_FormOfOneUserPostedInAnotherUsersSession_400AndNoCode()
    {
        var client = await Seed.ClientAsync();
        var (first, _) = await LoggedInAsync();
        using var _f = first;
        var form = await first.OpenConsentAsync(Flow.AuthorizeUrl(client));
        // Same browser, another user logs in: the old page's decision no longer applies.
        var (_, home) = await first.GetPageAsync(LoginEndpoints.LoginPath);
        await first.PostAsync(PageClient.Forms(home).Single(f => f.Action == LoginEndpoints.LogoutPath));
        await first.LogInAsync(await Seed.UserAsync());
        var fresh = await first.OpenConsentAsync(Flow.AuthorizeUrl(client));

        var fields = new Dictionary<string, string>(form.Fields)
        {
            ["__RequestVerificationToken"] = fresh.Fields["__RequestVerificationToken"],
            [AuthorizationEndpoints.DecisionField] = AuthorizationEndpoints.Allow,
        };
        var response = await first.PostAsync(AuthorizationEndpoints.ConsentPath, fields);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await Flow.CountCodesAsync(client), Is.Zero);
    }

    [Test]
    [Requirement("SPEC-3-login-redirect")]
    public async Task Consent_GetNotLoggedIn_303ToLogin()
    {
        var client = await Seed.ClientAsync();
        using var browser = PageClient.For(_factory);
        var url = Flow.AuthorizeUrl(client).Replace(AuthorizationEndpoints.AuthorizePath, AuthorizationEndpoints.ConsentPath);
        var response = await browser.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Does.StartWith(LoginEndpoints.LoginPath + "?returnUrl="));
    }

    [Test]
    [Requirement("SPEC-3-consent-revalidates", "RFC6749-3.1.2.4-no-redirect-invalid")]
    public async Task Consent_GetWithUnregisteredRedirect_303ToErrorPage()
    {
        var client = await Seed.ClientAsync();
        var (browser, _) = await LoggedInAsync();
        using var _b = browser;
        var url = Flow.AuthorizeUrl(client, (Parameters.RedirectUri, "https://evil.example/cb")).Replace(AuthorizationEndpoints.AuthorizePath, AuthorizationEndpoints.ConsentPath);
        var response = await browser.GetAsync(url);
        Assert.That(response.Headers.Location!.OriginalString, Does.StartWith(AuthorizationEndpoints.ErrorPath + "?"));
    }

    [Test]
    [Requirement("SPEC-3-consent-page")]
    public async Task Consent_NotYou_LogsOutAndReturnsToTheAuthorizeRequest()
    {
        var client = await Seed.ClientAsync();
        var (browser, _) = await LoggedInAsync();
        using var _b = browser;
        var authorize = await browser.GetAsync(Flow.AuthorizeUrl(client));
        var (_, html) = await browser.GetPageAsync(authorize.Headers.Location!.OriginalString);
        var notYou = PageClient.Forms(html).Single(f => f.Action == LoginEndpoints.LogoutPath);

        var response = await browser.PostAsync(notYou);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        var back = response.Headers.Location!.OriginalString;
        Assert.That(back, Does.StartWith(AuthorizationEndpoints.AuthorizePath + "?client_id=" + client.ClientId));
        Assert.That((await browser.GetAsync(back)).Headers.Location!.OriginalString, Does.StartWith(LoginEndpoints.LoginPath + "?returnUrl="));
    }

    private static async Task<(string Action, string Actor)?> LastAuditAsync(string clientId)
    {
        await using var cmd = TestDatabase.DataSource.CreateCommand("SELECT action, actor FROM audit_events WHERE target = $1 ORDER BY id DESC LIMIT 1");
        cmd.Parameters.AddWithValue(clientId);
        await using var row = await cmd.ExecuteReaderAsync();
        return await row.ReadAsync() ? (row.GetString(0), row.GetString(1)) : null;
    }

    private static async Task<bool> AuditMentionsAsync(string clientId, string value)
    {
        await using var cmd = TestDatabase.DataSource.CreateCommand("SELECT count(*) FROM audit_events WHERE target = $1 AND (coalesce(details::text, '') LIKE '%' || $2 || '%')");
        cmd.Parameters.AddWithValue(clientId);
        cmd.Parameters.AddWithValue(value);
        return (long)(await cmd.ExecuteScalarAsync())! > 0;
    }
}
