using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crowd.OAuth.Tests.Tokens;

/// <summary>Access tokens at the protected API (RFC 6750 §2–§3, Spec §5).</summary>
public sealed class BearerAccessTests : TokenHarnessFixture
{
    private async Task<HttpResponseMessage> GetAsync(string path, AuthenticationHeaderValue? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        return await Api.Http.SendAsync(request);
    }

    [Test]
    [Requirement("SPEC-5-myself", "RFC6750-2.1-bearer-header", "SPEC-5-bearer-header")]
    public async Task Myself_ValidToken_ReturnsTheTokensUser()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user, Scopes.User);

        var response = await Api.GetWithBearerAsync("/rest/api/1.0/myself", tokens.AccessToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(body.RootElement.GetProperty("username").GetString(), Is.EqualTo(user.Username));
        Assert.That(body.RootElement.GetProperty("active").GetBoolean(), Is.True);
        Assert.That(body.RootElement.GetProperty("admin").GetBoolean(), Is.False);
    }

    [Test]
    [Requirement("SPEC-5-server-info")]
    public async Task ServerInfo_AdminsSystemAdminToken_ReturnsInfo()
    {
        var client = await Seed.ClientAsync();
        var admin = await Seed.UserAsync(admin: true);
        var tokens = await Api.ObtainTokensAsync(client, admin);

        var response = await Api.GetWithBearerAsync("/rest/admin/1.0/server-info", tokens.AccessToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(body.RootElement.GetProperty("baseUrl").GetString(), Is.EqualTo(CrowdOAuthFactory.BaseUrl));
        foreach (var field in new[] { "version", "buildNumber", "serverTitle", "serverTime" }) Assert.That(body.RootElement.TryGetProperty(field, out _), field);
    }

    [Test]
    [Requirement("SPEC-5-no-credentials", "RFC6750-3-www-authenticate", "RFC6750-3-no-error-without-token")]
    public async Task Myself_NoCredentials_Is401WithABareChallenge()
    {
        var response = await GetAsync("/rest/api/1.0/myself", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.That(challenge.Scheme, Is.EqualTo("Bearer"));
        Assert.That(challenge.Parameter, Does.Contain("realm=").And.Not.Contain("error="));
    }

    [Test]
    [Requirement("SPEC-5-never-query")]
    public async Task Myself_TokenInQueryString_IsIgnored()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var response = await GetAsync("/rest/api/1.0/myself?access_token=" + tokens.AccessToken, null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Does.Not.Contain("error="));
    }

    [TestCase("garbage")]
    [TestCase("eyJhbGciOiJub25lIn0.eyJpZCI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIn0.")]
    [TestCase("eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJpZCI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIn0.c2ln")]
    [Requirement("SPEC-5-invalid-token", "SPEC-5-token-valid", "RFC6750-3-www-authenticate", "RFC6750-3-error-attribute", "RFC6750-3.1-status-codes", "RFC8725-3.1-alg-allowlist")]
    public async Task Myself_InvalidToken_Is401InvalidToken(string token)
    {
        var response = await Api.GetWithBearerAsync("/rest/api/1.0/myself", token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Does.Contain("error=\"invalid_token\""));
    }

    [Test]
    [Requirement("SPEC-5-token-valid", "RFC6749-10.3-access-unforgeable")]
    public async Task Myself_TokenWithChangedSignature_Is401()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        var t = tokens.AccessToken;
        var tampered = t[..^3] + (t[^3] == 'A' ? 'B' : 'A') + t[^2..];

        var response = await Api.GetWithBearerAsync("/rest/api/1.0/myself", tampered);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-5-insufficient-scope", "RFC6750-3.1-status-codes")]
    public async Task ServerInfo_UserScopeToken_Is403InsufficientScopeNamingTheScope()
    {
        var client = await Seed.ClientAsync();
        var admin = await Seed.UserAsync(admin: true);
        var tokens = await Api.ObtainTokensAsync(client, admin, Scopes.User);

        var response = await Api.GetWithBearerAsync("/rest/admin/1.0/server-info", tokens.AccessToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Does.Contain("error=\"insufficient_scope\"").And.Contain("scope=\"SYSTEM_ADMIN\""));
    }

    [Test]
    [Requirement("SPEC-5-admin-not-admin", "SPEC-1-system-admin-effective", "RFC9700-2.3-least-privilege")]
    public async Task ServerInfo_SystemAdminTokenOfNonAdministrator_Is403()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync(admin: false);
        var tokens = await Api.ObtainTokensAsync(client, user, Scopes.SystemAdmin);

        var response = await Api.GetWithBearerAsync("/rest/admin/1.0/server-info", tokens.AccessToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    [Requirement("SPEC-5-token-via-basic")]
    public async Task Myself_TokenAsBasicPassword_Works()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var response = await GetAsync("/rest/api/1.0/myself",
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.Username}:{tokens.AccessToken}"))));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-5-token-via-basic")]
    public async Task Myself_TokenAsBasicPasswordWhenDisabled_Is401()
    {
        await using var harness = new TokenHarness(new Dictionary<string, string?> { ["OAuth2Provider:TokenViaBasicAuthentication"] = "false" });
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await harness.Client.ObtainTokensAsync(client, user);
        var request = new HttpRequestMessage(HttpMethod.Get, "/rest/api/1.0/myself");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"x:{tokens.AccessToken}")));

        var response = await harness.Client.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-5-token-valid", "SPEC-1-user-active", "RFC9700-4.14.2-revoke-on-event")]
    public async Task Myself_UserDeactivated_Is401AtOnce()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        await new UserStore(TestDatabase.DataSource).SetActiveAsync(user.User.Id, false, DateTimeOffset.UtcNow, CancellationToken.None);

        var response = await Api.GetWithBearerAsync("/rest/api/1.0/myself", tokens.AccessToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-5-token-valid", "RFC9700-4.14.2-revoke-on-event")]
    public async Task Myself_ClientDeleted_Is401AtOnce()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        await new ClientStore(TestDatabase.DataSource).DeleteAsync(client.Client.Id, CancellationToken.None);

        var response = await Api.GetWithBearerAsync("/rest/api/1.0/myself", tokens.AccessToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-5-token-valid", "SPEC-1-grant-family", "RFC9700-4.14.2-revoke-on-event")]
    public async Task Myself_GrantRevoked_Is401AtOnce()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        await using (var cmd = TestDatabase.DataSource.CreateCommand("SELECT id FROM grants WHERE client_pk = $1"))
        {
            cmd.Parameters.AddWithValue(client.Client.Id);
            var grantId = (Guid)(await cmd.ExecuteScalarAsync())!;
            await new TokenStore(TestDatabase.DataSource).RevokeGrantAsync(grantId, "test", DateTimeOffset.UtcNow, CancellationToken.None);
        }

        var response = await Api.GetWithBearerAsync("/rest/api/1.0/myself", tokens.AccessToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("SPEC-5-token-valid")]
    public async Task Myself_AccessTokenExpired_Is401ButRefreshStillWorks()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = TokenHarness.WithClock(clock);
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await harness.Client.ObtainTokensAsync(client, user);

        clock.Advance(TimeSpan.FromSeconds(7201));

        Assert.That((await harness.Client.GetWithBearerAsync("/rest/api/1.0/myself", tokens.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await harness.Client.RefreshAsync(client, tokens.RefreshToken)).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-5-token-valid")]
    public async Task Myself_RefreshTokenUsedAsAccessToken_Is401()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var response = await Api.GetWithBearerAsync("/rest/api/1.0/myself", tokens.RefreshToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
