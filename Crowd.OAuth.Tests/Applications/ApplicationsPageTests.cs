using System.Net;
using Crowd.OAuth.Api.Applications;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Authorization;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Crowd.OAuth.Tests.Applications;

/// <summary>The user's authorized applications and their revocation (Spec §6).</summary>
public sealed class ApplicationsPageTests
{
    private CrowdOAuthFactory _factory = null!;
    private OAuthTestClient _api = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _factory = new CrowdOAuthFactory();
        _api = new OAuthTestClient(_factory.CreateHttpClient(), _factory.Services);
    }

    [OneTimeTearDown]
    public ValueTask Stop() => _factory.DisposeAsync();

    private async Task<bool> WorksAsync(string accessToken) =>
        (await _api.GetWithBearerAsync("/rest/api/1.0/myself", accessToken)).StatusCode == HttpStatusCode.OK;

    private async Task<PageClient> LoggedInAsync(SeededUser user)
    {
        var pages = PageClient.For(_factory);
        await pages.LogInAsync(user);
        return pages;
    }

    [Test]
    [Requirement("SPEC-6-applications-page", "RFC6749-10.14-sanitize")]
    public async Task Applications_LoggedIn_ListsOnlyTheUsersLiveGrantsEncoded()
    {
        var user = await Seed.UserAsync();
        var other = await Seed.UserAsync();
        var mine = await Seed.ClientAsync(name: Seed.Unique("<b>Mine</b>"));
        var revoked = await Seed.ClientAsync();
        var theirs = await Seed.ClientAsync();
        await _api.ObtainTokensAsync(mine, user, Scopes.User);
        var gone = await _api.ObtainTokensAsync(revoked, user);
        await _api.ObtainTokensAsync(theirs, other);
        await _api.RefreshAsync(revoked, gone.RefreshToken);
        await _api.RefreshAsync(revoked, gone.RefreshToken); // reuse: the grant is revoked

        using var pages = await LoggedInAsync(user);
        var (response, html) = await pages.GetPageAsync(ApplicationsEndpoints.ApplicationsPath);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("&lt;b&gt;Mine&lt;/b&gt;").And.Not.Contain("<b>Mine</b>"));
        Assert.That(html, Does.Not.Contain(revoked.Client.Name).And.Not.Contain(theirs.Client.Name));
        Assert.That(html, Does.Contain(Scopes.Find(Scopes.User)!.Title));
        Assert.That(response.Headers.GetValues("X-Frame-Options").Single(), Is.EqualTo("DENY"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
    }

    [Test]
    public async Task Applications_NotLoggedIn_GoesToLoginFirst()
    {
        using var pages = PageClient.For(_factory);
        var response = await pages.GetAsync(ApplicationsEndpoints.ApplicationsPath);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Does.StartWith("/login?returnUrl="));
    }

    [Test]
    [Requirement("SPEC-6-revoke-grant", "RFC6749-10.12-csrf")]
    public async Task RevokeGrant_WithoutAntiforgeryToken_Is400AndRevokesNothing()
    {
        var user = await Seed.UserAsync();
        var client = await Seed.ClientAsync();
        var tokens = await _api.ObtainTokensAsync(client, user);
        var grantId = await GrantOfAsync(client);
        using var pages = await LoggedInAsync(user);

        var response = await pages.PostAsync($"/rest/oauth2/latest/revoke/{grantId}", []);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WorksAsync(tokens.AccessToken), Is.True);
    }

    [Test]
    [Requirement("SPEC-6-revoke-grant")]
    public async Task RevokeGrant_AnotherUsersGrant_Is404AndRevokesNothing()
    {
        var owner = await Seed.UserAsync();
        var intruder = await Seed.UserAsync();
        var client = await Seed.ClientAsync();
        var tokens = await _api.ObtainTokensAsync(client, owner);
        var grantId = await GrantOfAsync(client);
        using var pages = await LoggedInAsync(intruder);
        var (_, html) = await pages.GetPageAsync(ApplicationsEndpoints.ApplicationsPath);
        var antiforgery = PageClient.Forms(html).FirstOrDefault()?.Fields ?? await AntiforgeryFieldsAsync(pages);

        var response = await pages.PostAsync($"/rest/oauth2/latest/revoke/{grantId}", antiforgery);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await WorksAsync(tokens.AccessToken), Is.True);
    }

    [Test]
    [Requirement("SPEC-6-revoke-grant")]
    public async Task RevokeGrant_AdministratorOnSomeoneElsesGrant_Revokes()
    {
        var owner = await Seed.UserAsync();
        var admin = await Seed.UserAsync(admin: true);
        var client = await Seed.ClientAsync();
        var tokens = await _api.ObtainTokensAsync(client, owner);
        var grantId = await GrantOfAsync(client);
        using var pages = await LoggedInAsync(admin);

        var response = await pages.PostAsync($"/rest/oauth2/latest/revoke/{grantId}", await AntiforgeryFieldsAsync(pages));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(await WorksAsync(tokens.AccessToken), Is.False);
    }

    /// <summary>The anti-forgery field of this session, from the signed-in page's logout form.</summary>
    private static async Task<Dictionary<string, string>> AntiforgeryFieldsAsync(PageClient pages)
    {
        var (_, html) = await pages.GetPageAsync("/login");
        return PageClient.Forms(html).First().Fields;
    }

    private static async Task<Guid> GrantOfAsync(SeededClient client)
    {
        await using var cmd = TestDatabase.DataSource.CreateCommand("SELECT id FROM grants WHERE client_pk = $1");
        cmd.Parameters.AddWithValue(client.Client.Id);
        return (Guid)(await cmd.ExecuteScalarAsync())!;
    }
}

/// <summary>The applications page in a real browser: revoke, and the revoked tokens fail at once.</summary>
[Category("Process")]
[NonParallelizable]
public sealed class ApplicationsBrowserTests
{
    [Test]
    [Requirement("SPEC-6-applications-page", "SPEC-6-revoke-grant", "SPEC-1-grant-family")]
    public async Task Browser_RevokeOneApplication_ItsTokensFailTheOthersWork()
    {
        var port = LocalCluster.FreePort();
        var env = ServerProcess.DefaultEnvironment(TestDatabase.ConnectionString);
        env["CROWDOAUTH_OAuth2Provider__BaseUrl"] = $"http://127.0.0.1:{port}";
        env["CROWDOAUTH_OAuth2Provider__DevMode"] = "true";
        env["ASPNETCORE_ENVIRONMENT"] = "Development";
        await using var server = ServerProcess.Start(port, env);
        await server.WaitUntilLiveAsync();
        await using var factory = new CrowdOAuthFactory();
        var api = new OAuthTestClient(server.CreateClient(), factory.Services);
        var user = await Seed.UserAsync();
        var keep = await Seed.ClientAsync(name: Seed.Unique("Keep"));
        var drop = await Seed.ClientAsync(name: Seed.Unique("Drop"));
        var kept = await api.ObtainTokensAsync(keep, user);
        var dropped = await api.ObtainTokensAsync(drop, user);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{port}{ApplicationsEndpoints.ApplicationsPath}");
        await page.GetByLabel("Username").FillAsync(user.Username);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.That(await page.ContentAsync(), Does.Contain(keep.Client.Name).And.Contain(drop.Client.Name));

        await page.GetByRole(AriaRole.Button, new() { Name = $"Revoke access of {drop.Client.Name}" }).ClickAsync();

        Assert.That(page.Url, Does.EndWith(ApplicationsEndpoints.ApplicationsPath));
        var content = await page.ContentAsync();
        Assert.That(content, Does.Contain(keep.Client.Name).And.Not.Contain(drop.Client.Name));
        Assert.That((await api.GetWithBearerAsync("/rest/api/1.0/myself", dropped.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await api.RefreshAsync(drop, dropped.RefreshToken)).Error, Is.EqualTo(Errors.InvalidGrant));
        Assert.That((await api.GetWithBearerAsync("/rest/api/1.0/myself", kept.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
