using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crowd.OAuth.Tests.Tokens;

/// <summary>The refresh token grant: rotation, narrowing, reuse detection, grace (RFC 6749 §6, RFC 9700 §4.14.2, Spec §4).</summary>
public sealed class RefreshTokenGrantTests : TokenHarnessFixture
{
    private static async Task<long> ScalarAsync(string sql, object parameter)
    {
        await using var cmd = TestDatabase.DataSource.CreateCommand(sql);
        cmd.Parameters.AddWithValue(parameter);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    private static Task<long> LivePairsAsync(SeededClient client) => ScalarAsync(
        "SELECT count(*) FROM token_pairs p JOIN grants g ON g.id = p.grant_id WHERE g.client_pk = $1 AND p.generation = g.generation AND g.revoked_at IS NULL",
        client.Client.Id);

    private async Task<HttpStatusCode> MyselfAsync(string accessToken) =>
        (await Api.GetWithBearerAsync("/rest/api/1.0/myself", accessToken)).StatusCode;

    [Test]
    [Requirement("SPEC-4-refresh-rotation", "RFC9700-2.2.2-refresh-rotation")]
    public async Task Refresh_Valid_RotatesAndTheOldPairStopsWorking()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await Api.ObtainTokensAsync(client, user);

        var second = await Api.RefreshAsync(client, first.RefreshToken);

        Assert.That(second.Status, Is.EqualTo(HttpStatusCode.OK), second.Body.ToString());
        Assert.That(second.Scope, Is.EqualTo(first.Scope));
        Assert.That(await MyselfAsync(first.AccessToken), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await MyselfAsync(second.AccessToken), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await LivePairsAsync(client), Is.EqualTo(1));
    }

    [Test]
    [Requirement("SPEC-4-refresh-scope-narrow", "RFC6749-6-refresh-scope-subset")]
    public async Task Refresh_NarrowerScope_IsGranted()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync(admin: true);
        var first = await Api.ObtainTokensAsync(client, user, Scopes.SystemAdmin);

        var narrowed = await Api.RefreshAsync(client, first.RefreshToken, Scopes.User);

        Assert.That(narrowed.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(narrowed.Scope, Is.EqualTo(Scopes.User));
        Assert.That((await Api.GetWithBearerAsync("/rest/admin/1.0/server-info", narrowed.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    [Requirement("SPEC-4-refresh-scope-narrow", "RFC6749-6-new-refresh-scope", "RFC9700-4.14.2-bound-to-scope")]
    public async Task Refresh_AfterNarrowing_RefreshTokenKeepsTheGrantedScope()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync(admin: true);
        var first = await Api.ObtainTokensAsync(client, user, Scopes.SystemAdmin);
        var narrowed = await Api.RefreshAsync(client, first.RefreshToken, Scopes.User);

        var full = await Api.RefreshAsync(client, narrowed.RefreshToken);

        Assert.That(full.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(full.Scope, Is.EqualTo(Scopes.SystemAdmin));
        Assert.That((await Api.GetWithBearerAsync("/rest/admin/1.0/server-info", full.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-4-refresh-scope-narrow", "RFC6749-6-refresh-scope-subset", "RFC9700-4.14.2-bound-to-scope")]
    public async Task Refresh_WiderScope_IsInvalidScopeAndTheTokenStillWorks()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync(admin: true);
        var first = await Api.ObtainTokensAsync(client, user, Scopes.User);

        var wider = await Api.RefreshAsync(client, first.RefreshToken, Scopes.SystemAdmin);
        var same = await Api.RefreshAsync(client, first.RefreshToken);

        Assert.That((wider.Status, wider.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidScope)));
        Assert.That(same.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-1-scopes")]
    public async Task Refresh_UnknownScopeName_IsInvalidScope()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await Api.ObtainTokensAsync(client, user);

        var answer = await Api.RefreshAsync(client, first.RefreshToken, "EVERYTHING");

        Assert.That(answer.Error, Is.EqualTo(Errors.InvalidScope));
    }

    [Test]
    [Requirement("SPEC-4-refresh-sliding", "RFC9700-4.14.2-inactivity", "RFC6749-6-refresh-valid", "SPEC-4-refresh-checks")]
    public async Task Refresh_NewRefreshToken_LivesAFullLifetimeFromNow()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = TokenHarness.WithClock(clock, new Dictionary<string, string?> { ["OAuth2Provider:RefreshTokenExpirationSeconds"] = "3600" });
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await harness.Client.ObtainTokensAsync(client, user);

        clock.Advance(TimeSpan.FromMinutes(50));
        var second = await harness.Client.RefreshAsync(client, first.RefreshToken);
        clock.Advance(TimeSpan.FromMinutes(50));
        var third = await harness.Client.RefreshAsync(client, second.RefreshToken);
        clock.Advance(TimeSpan.FromMinutes(61));
        var expired = await harness.Client.RefreshAsync(client, third.RefreshToken);

        Assert.That(second.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(third.Status, Is.EqualTo(HttpStatusCode.OK), "100 minutes after the first issue, inside the sliding window");
        Assert.That(expired.Error, Is.EqualTo(Errors.InvalidGrant));
    }

    [Test]
    [Requirement("RFC9700-4.14.2-reuse-revokes", "SPEC-4-refresh-reuse-revokes", "RFC6749-10.4-refresh-abuse", "SPEC-1-grant-family")]
    public async Task Refresh_RotatedTokenPresentedAgain_RevokesTheGrant()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await Api.ObtainTokensAsync(client, user);
        var second = await Api.RefreshAsync(client, first.RefreshToken);

        var reuse = await Api.RefreshAsync(client, first.RefreshToken);

        Assert.That((reuse.Status, reuse.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
        Assert.That(await MyselfAsync(second.AccessToken), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Api.RefreshAsync(client, second.RefreshToken)).Error, Is.EqualTo(Errors.InvalidGrant));
        Assert.That(await LivePairsAsync(client), Is.Zero);
    }

    [Test]
    [Requirement("SPEC-4-refresh-reuse-grace")]
    public async Task Refresh_RepeatWithinGrace_GetsAFreshPairAndRevokesTheEarlierRotation()
    {
        await using var harness = new TokenHarness(new Dictionary<string, string?> { ["OAuth2Provider:RefreshTokenReuseGraceSeconds"] = "30" });
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await harness.Client.ObtainTokensAsync(client, user);
        var second = await harness.Client.RefreshAsync(client, first.RefreshToken);

        var repeat = await harness.Client.RefreshAsync(client, first.RefreshToken);

        Assert.That(repeat.Status, Is.EqualTo(HttpStatusCode.OK), repeat.Body.ToString());
        Assert.That((await harness.Client.GetWithBearerAsync("/rest/api/1.0/myself", second.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await harness.Client.GetWithBearerAsync("/rest/api/1.0/myself", repeat.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await LivePairsAsync(client), Is.EqualTo(1));
    }

    [Test]
    [Requirement("SPEC-4-refresh-reuse-grace", "SPEC-4-refresh-reuse-revokes")]
    public async Task Refresh_RepeatAfterGrace_RevokesTheGrant()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = TokenHarness.WithClock(clock, new Dictionary<string, string?> { ["OAuth2Provider:RefreshTokenReuseGraceSeconds"] = "30" });
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await harness.Client.ObtainTokensAsync(client, user);
        var second = await harness.Client.RefreshAsync(client, first.RefreshToken);

        clock.Advance(TimeSpan.FromSeconds(31));
        var repeat = await harness.Client.RefreshAsync(client, first.RefreshToken);

        Assert.That(repeat.Error, Is.EqualTo(Errors.InvalidGrant));
        Assert.That((await harness.Client.RefreshAsync(client, second.RefreshToken)).Error, Is.EqualTo(Errors.InvalidGrant));
    }

    [Test]
    [Requirement("SPEC-4-refresh-concurrent")]
    public async Task Refresh_TwentyConcurrentRotations_ExactlyOneSucceedsAndNeverTwoLivePairs()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await Api.ObtainTokensAsync(client, user);
        using var gate = new ManualResetEventSlim(false);

        var attempts = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            gate.Wait();
            return await Api.RefreshAsync(client, first.RefreshToken);
        })).ToList();
        gate.Set();
        var answers = await Task.WhenAll(attempts);

        Assert.That(answers.Count(a => a.Status == HttpStatusCode.OK), Is.EqualTo(1));
        Assert.That(answers.Where(a => a.Status != HttpStatusCode.OK).Select(a => a.Error), Is.All.EqualTo(Errors.InvalidGrant));
        Assert.That(await LivePairsAsync(client), Is.LessThanOrEqualTo(1));
    }

    [Test]
    [Requirement("SPEC-4-refresh-reuse-grace")]
    public async Task Refresh_TwentyConcurrentRotationsWithGrace_NeverTwoLivePairs()
    {
        await using var harness = new TokenHarness(new Dictionary<string, string?> { ["OAuth2Provider:RefreshTokenReuseGraceSeconds"] = "30" });
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await harness.Client.ObtainTokensAsync(client, user);
        using var gate = new ManualResetEventSlim(false);

        var attempts = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            gate.Wait();
            return await harness.Client.RefreshAsync(client, first.RefreshToken);
        })).ToList();
        gate.Set();
        var answers = await Task.WhenAll(attempts);

        Assert.That(answers.Count(a => a.Status == HttpStatusCode.OK), Is.GreaterThanOrEqualTo(1));
        Assert.That(await LivePairsAsync(client), Is.EqualTo(1));
        var live = answers.Where(a => a.Status == HttpStatusCode.OK).Count(a =>
            harness.Client.GetWithBearerAsync("/rest/api/1.0/myself", a.AccessToken).Result.StatusCode == HttpStatusCode.OK);
        Assert.That(live, Is.EqualTo(1));
    }

    [Test]
    [Requirement("SPEC-4-refresh-checks", "SPEC-1-user-active")]
    public async Task Refresh_UserDeactivated_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await Api.ObtainTokensAsync(client, user);
        await new UserStore(TestDatabase.DataSource).SetActiveAsync(user.User.Id, false, DateTimeOffset.UtcNow, CancellationToken.None);

        var answer = await Api.RefreshAsync(client, first.RefreshToken);

        Assert.That(answer.Error, Is.EqualTo(Errors.InvalidGrant));
    }

    [Test]
    [Requirement("RFC6749-6-refresh-client", "RFC6749-10.4-refresh-binding", "SPEC-4-refresh-checks", "RFC9700-4.14.2-bound-to-scope")]
    public async Task Refresh_TokenOfAnotherClient_IsInvalidGrantAndRevokesNothing()
    {
        var owner = await Seed.ClientAsync();
        var other = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await Api.ObtainTokensAsync(owner, user);

        var stolen = await Api.RefreshAsync(other, first.RefreshToken);

        Assert.That(stolen.Error, Is.EqualTo(Errors.InvalidGrant));
        Assert.That((await Api.RefreshAsync(owner, first.RefreshToken)).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("RFC9700-4.14.2-revoke-on-event")]
    public async Task Refresh_DeletedClient_IsRefused()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await Api.ObtainTokensAsync(client, user);
        await new ClientStore(TestDatabase.DataSource).DeleteAsync(client.Client.Id, CancellationToken.None);

        var answer = await Api.RefreshAsync(client, first.RefreshToken);

        // Spec §4: the client no longer exists, so it cannot authenticate (an unknown client is invalid_client).
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
        Assert.That(await ScalarAsync("SELECT count(*) FROM grants WHERE client_pk = $1", client.Client.Id), Is.Zero);
    }

    [Test]
    [Requirement("RFC6749-6-refresh-valid")]
    public async Task Refresh_ForgedOrGarbageToken_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.RefreshAsync(client, "eyJhbGciOiJub25lIn0.eyJpZCI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIn0.");
        Assert.That(answer.Error, Is.EqualTo(Errors.InvalidGrant));
    }

    [Test]
    [Requirement("RFC6749-6-refresh-valid")]
    public async Task Refresh_AccessTokenPresentedAsRefreshToken_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await Api.ObtainTokensAsync(client, user);

        var answer = await Api.RefreshAsync(client, first.AccessToken);

        Assert.That(answer.Error, Is.EqualTo(Errors.InvalidGrant));
    }
}
