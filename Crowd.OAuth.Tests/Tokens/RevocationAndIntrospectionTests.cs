using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crowd.OAuth.Tests.Tokens;

/// <summary>Revocation (RFC 7009) and introspection (RFC 7662), Spec §6.</summary>
public sealed class RevocationAndIntrospectionTests : TokenHarnessFixture
{
    private async Task<TokenAnswer> PostAsync(string path, SeededClient client, Dictionary<string, string> form)
    {
        form["client_id"] = client.ClientId;
        if (client.Secret is not null) form["client_secret"] = client.Secret;
        return await Api.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) });
    }

    private Task<TokenAnswer> RevokeAsync(SeededClient client, string token, string? hint = null)
    {
        var form = new Dictionary<string, string> { ["token"] = token };
        if (hint is not null) form["token_type_hint"] = hint;
        return PostAsync("/rest/oauth2/latest/revoke", client, form);
    }

    private Task<TokenAnswer> IntrospectAsync(SeededClient client, string token) =>
        PostAsync("/rest/oauth2/latest/introspect", client, new Dictionary<string, string> { ["token"] = token });

    private async Task<bool> WorksAsync(string accessToken) =>
        (await Api.GetWithBearerAsync("/rest/api/1.0/myself", accessToken)).StatusCode == HttpStatusCode.OK;

    [TestCase(true, null)]
    [TestCase(true, "access_token")]
    [TestCase(true, "refresh_token")]
    [TestCase(false, null)]
    [TestCase(false, "refresh_token")]
    [TestCase(false, "access_token")]
    [Requirement("SPEC-6-revocation", "RFC7009-2.1-refresh-revokes-access", "RFC7009-2.1-access-revokes-refresh", "RFC7009-2.1-hint-fallback")]
    public async Task Revoke_EitherTokenOfAPair_RevokesThePair(bool revokeAccess, string? hint)
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var answer = await RevokeAsync(client, revokeAccess ? tokens.AccessToken : tokens.RefreshToken, hint);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(answer.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(await WorksAsync(tokens.AccessToken), Is.False);
        Assert.That((await Api.RefreshAsync(client, tokens.RefreshToken)).Error, Is.EqualTo(Errors.InvalidGrant));
    }

    [Test]
    [Requirement("SPEC-6-revocation", "RFC7009-2.1-own-tokens")]
    public async Task Revoke_AnotherClientsToken_Is200AndChangesNothing()
    {
        var owner = await Seed.ClientAsync();
        var other = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(owner, user);

        var answer = await RevokeAsync(other, tokens.AccessToken);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await WorksAsync(tokens.AccessToken), Is.True);
    }

    [TestCase("not-a-token")]
    [TestCase("eyJhbGciOiJIUzI1NiIsImtpZCI6Im5vcGUifQ.eyJpZCI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIn0.c2ln")]
    [Requirement("RFC7009-2.2-ok-for-invalid", "SPEC-6-revocation")]
    public async Task Revoke_UnknownToken_Is200(string token)
    {
        var client = await Seed.ClientAsync();
        var answer = await RevokeAsync(client, token);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-6-revocation-hint", "RFC7009-2.2.1-errors")]
    public async Task Revoke_UnknownHint_IsUnsupportedTokenTypeAndChangesNothing()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var answer = await RevokeAsync(client, tokens.AccessToken, "id_token");

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.UnsupportedTokenType)));
        Assert.That(await WorksAsync(tokens.AccessToken), Is.True);
    }

    [Test]
    [Requirement("RFC7009-2.1-client-auth", "RFC7009-2.2.1-errors")]
    public async Task Revoke_WrongSecret_Is401AndChangesNothing()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var answer = await RevokeAsync(client with { Secret = new string('0', 64) }, tokens.AccessToken);

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
        Assert.That(await WorksAsync(tokens.AccessToken), Is.True);
    }

    [Test]
    [Requirement("RFC7009-2.2.1-errors")]
    public async Task Revoke_NoToken_IsInvalidRequest()
    {
        var client = await Seed.ClientAsync();
        var answer = await PostAsync("/rest/oauth2/latest/revoke", client, new Dictionary<string, string>());
        Assert.That(answer.Error, Is.EqualTo(Errors.InvalidRequest));
    }

    [Test]
    [Requirement("SPEC-6-introspection-response", "RFC7662-2.2-active", "RFC7662-2.1-request")]
    public async Task Introspect_LiveAccessToken_DescribesIt()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user, Scopes.User);

        var answer = await IntrospectAsync(client, tokens.AccessToken);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(answer.Headers.CacheControl?.NoStore, Is.True);
        var body = answer.Body;
        Assert.That(body.GetProperty("active").GetBoolean(), Is.True);
        Assert.That(body.GetProperty("scope").GetString(), Is.EqualTo(Scopes.User));
        Assert.That(body.GetProperty("client_id").GetString(), Is.EqualTo(client.ClientId));
        Assert.That(body.GetProperty("username").GetString(), Is.EqualTo(user.Username));
        Assert.That(body.GetProperty("sub").GetString(), Is.EqualTo(user.User.Id.ToString()));
        Assert.That(body.GetProperty("token_type").GetString(), Is.EqualTo("bearer"));
        Assert.That(body.GetProperty("exp").GetInt64() - body.GetProperty("iat").GetInt64(), Is.EqualTo(7200));
    }

    [Test]
    [Requirement("RFC7662-2.2-active")]
    public async Task Introspect_LiveRefreshToken_IsActive()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var answer = await IntrospectAsync(client, tokens.RefreshToken);

        Assert.That(answer.Body.GetProperty("active").GetBoolean(), Is.True);
        Assert.That(answer.Body.GetProperty("token_type").GetString(), Is.EqualTo("refresh_token"));
    }

    [Test]
    [Requirement("RFC7662-2.2-inactive-minimal", "SPEC-6-introspection-response")]
    public async Task Introspect_RevokedToken_IsOnlyInactive()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        await RevokeAsync(client, tokens.RefreshToken);

        var answer = await IntrospectAsync(client, tokens.AccessToken);

        Assert.That(answer.Body.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "active" }));
        Assert.That(answer.Body.GetProperty("active").GetBoolean(), Is.False);
    }

    [Test]
    [Requirement("SPEC-6-introspection-response")]
    public async Task Introspect_RotatedToken_IsInactive()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        await Api.RefreshAsync(client, tokens.RefreshToken);

        Assert.That((await IntrospectAsync(client, tokens.AccessToken)).Body.GetProperty("active").GetBoolean(), Is.False);
        Assert.That((await IntrospectAsync(client, tokens.RefreshToken)).Body.GetProperty("active").GetBoolean(), Is.False);
    }

    [Test]
    [Requirement("SPEC-6-introspection-response")]
    public async Task Introspect_ExpiredAccessToken_IsInactive()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = TokenHarness.WithClock(clock);
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await harness.Client.ObtainTokensAsync(client, user);
        clock.Advance(TimeSpan.FromSeconds(7201));

        var answer = await harness.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/rest/oauth2/latest/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = tokens.AccessToken, ["client_id"] = client.ClientId, ["client_secret"] = client.Secret! }),
        });

        Assert.That(answer.Body.GetProperty("active").GetBoolean(), Is.False);
    }

    [Test]
    [Requirement("SPEC-6-introspection-access")]
    public async Task Introspect_AnotherClientsToken_IsInactiveUnlessRegisteredToIntrospect()
    {
        var owner = await Seed.ClientAsync();
        var other = await Seed.ClientAsync();
        var gateway = await Seed.ClientAsync(introspect: true);
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(owner, user);

        Assert.That((await IntrospectAsync(other, tokens.AccessToken)).Body.GetProperty("active").GetBoolean(), Is.False);
        Assert.That((await IntrospectAsync(gateway, tokens.AccessToken)).Body.GetProperty("active").GetBoolean(), Is.True);
    }

    [Test]
    [Requirement("RFC7662-2.1-authorization", "RFC7662-2.3-not-an-error")]
    public async Task Introspect_PublicClient_Is401()
    {
        var client = await Seed.ClientAsync(isPublic: true);
        var answer = await IntrospectAsync(client, "anything");
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
    }

    [Test]
    [Requirement("RFC7662-2.3-not-an-error")]
    public async Task Introspect_Garbage_IsInactive()
    {
        var client = await Seed.ClientAsync();
        Assert.That((await IntrospectAsync(client, "garbage")).Body.GetProperty("active").GetBoolean(), Is.False);
    }
}
