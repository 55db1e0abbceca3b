using System.Net;
using System.Net.Http.Headers;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Authorization;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.DirectoryAdmin;

/// <summary>Spec §7: the admin API also takes an administrator's SYSTEM_ADMIN bearer token, or their session.</summary>
public sealed class AdminTokenAndSessionTests : TokenHarnessFixture
{
    private async Task<HttpStatusCode> ListWithBearerAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, AdminApi.Clients);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await Harness.Client.Http.SendAsync(request)).StatusCode;
    }

    [Test]
    [Requirement("SPEC-7-admin-only")]
    public async Task List_AdministratorsSystemAdminToken_Is200()
    {
        var client = await Seed.ClientAsync();
        var admin = await Seed.UserAsync(admin: true);
        var tokens = await Harness.Client.ObtainTokensAsync(client, admin, Scopes.SystemAdmin);

        Assert.That(await ListWithBearerAsync(tokens.AccessToken), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-5-never-query")]
    public async Task Create_SystemAdminTokenInFormBody_Is401AndStoresNothing()
    {
        var client = await Seed.ClientAsync();
        var admin = await Seed.UserAsync(admin: true);
        var tokens = await Harness.Client.ObtainTokensAsync(client, admin, Scopes.SystemAdmin);
        var name = Seed.Unique("form-token");
        var request = new HttpRequestMessage(HttpMethod.Post, AdminApi.Clients)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["access_token"] = tokens.AccessToken, ["name"] = name, ["redirects"] = "https://app.example.test/cb",
            }),
        };

        var response = await Harness.Client.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await AdminApi.NameExistsAsync(name), Is.False);
    }

    [Test]
    [Requirement("SPEC-7-admin-only")]
    public async Task List_AdministratorsUserScopeToken_Is401()
    {
        var client = await Seed.ClientAsync();
        var admin = await Seed.UserAsync(admin: true);
        var tokens = await Harness.Client.ObtainTokensAsync(client, admin, Scopes.User);

        Assert.That(await ListWithBearerAsync(tokens.AccessToken), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-7-admin-only", "SPEC-1-system-admin-effective")]
    public async Task List_NonAdministratorsSystemAdminToken_Is403()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync(admin: false);
        var tokens = await Harness.Client.ObtainTokensAsync(client, user, Scopes.SystemAdmin);

        Assert.That(await ListWithBearerAsync(tokens.AccessToken), Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    [Requirement("SPEC-7-admin-only")]
    public async Task List_RevokedToken_Is401()
    {
        var client = await Seed.ClientAsync();
        var admin = await Seed.UserAsync(admin: true);
        var tokens = await Harness.Client.ObtainTokensAsync(client, admin);
        await Harness.Client.RefreshAsync(client, tokens.RefreshToken);

        Assert.That(await ListWithBearerAsync(tokens.AccessToken), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-7-admin-only")]
    public async Task List_AdministratorsSession_Is200AndAUsersSessionIs403()
    {
        var admin = await Seed.UserAsync(admin: true);
        var user = await Seed.UserAsync();
        using var adminPages = PageClient.For(Harness.Factory);
        using var userPages = PageClient.For(Harness.Factory);
        await adminPages.LogInAsync(admin);
        await userPages.LogInAsync(user);

        Assert.That((await adminPages.GetAsync(AdminApi.Clients)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await userPages.GetAsync(AdminApi.Clients)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
