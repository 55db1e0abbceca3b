using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crowd.OAuth.Tests.Tokens;

/// <summary>The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6, RFC 9700 §2.1.1, Spec §4).</summary>
public sealed class AuthorizationCodeGrantTests : TokenHarnessFixture
{
    private static async Task<long> LivePairsOfGrantsOfClientAsync(SeededClient client)
    {
        await using var cmd = TestDatabase.DataSource.CreateCommand(
            "SELECT count(*) FROM token_pairs p JOIN grants g ON g.id = p.grant_id WHERE g.client_pk = $1 AND p.generation = g.generation AND g.revoked_at IS NULL");
        cmd.Parameters.AddWithValue(client.Client.Id);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Test]
    public async Task Exchange_ManyAtOnceThroughATinyPool_AllSucceed()
    {
        // Two pooled connections for twelve concurrent exchanges: a request that held one connection
        // (the redemption's transaction) while asking for another (the audit write, the refusal diagnosis)
        // would starve the pool until its timeout. Each exchange must use one connection at a time.
        await using var harness = new TokenHarness(new Dictionary<string, string?>
        {
            ["ConnectionStrings:CrowdOAuth"] = TestDatabase.ConnectionString + ";Maximum Pool Size=2;Timeout=3",
        });
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var codes = new List<string>();
        for (var i = 0; i < 12; i++) codes.Add(await harness.Client.IssueCodeAsync(client, user));
        using var gate = new ManualResetEventSlim(false);

        var exchanges = codes.Select(code => Task.Run(async () =>
        {
            gate.Wait();
            return await harness.Client.ExchangeAsync(client, code);
        })).ToList();
        gate.Set();
        var answers = await Task.WhenAll(exchanges);

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK), string.Join(" | ", answers.Select(a => a.Body.ToString())));
        Assert.That(await LivePairsOfGrantsOfClientAsync(client), Is.EqualTo(12));
    }

    [Test]
    [Requirement("RFC6749-4.1.3-code-valid", "SPEC-4-code-checks", "RFC6749-5.2-error-response", "SPEC-4-error-response")]
    public async Task Exchange_UnknownCode_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync();
        var answer = await Api.ExchangeAsync(client, Secrets.RandomUrlSafe(32));
        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
    }

    [Test]
    [Requirement("RFC6749-4.1.3-code-client", "RFC6749-4.1.2-code-binding", "SPEC-4-code-checks")]
    public async Task Exchange_CodeOfAnotherClient_IsInvalidGrantAndLeavesTheCodeUsable()
    {
        var owner = await Seed.ClientAsync();
        var thief = await Seed.ClientAsync(redirects: [owner.RedirectUri]);
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(owner, user);

        var stolen = await Api.ExchangeAsync(thief, code);
        var rightful = await Api.ExchangeAsync(owner, code);

        Assert.That((stolen.Status, stolen.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
        Assert.That(rightful.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("RFC6749-4.1.3-redirect-identical", "RFC6749-4.1.2-code-binding", "SPEC-4-code-checks")]
    public async Task Exchange_OtherRedirectUri_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync(redirects: ["https://app.example.test/cb", "https://app.example.test/other"]);
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user, redirectUri: "https://app.example.test/cb");

        var answer = await Api.ExchangeAsync(client, code, redirectUri: "https://app.example.test/other");

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
    }

    [Test]
    [Requirement("RFC6749-4.1.3-redirect-identical")]
    public async Task Exchange_NoRedirectUri_IsInvalidRequest()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);

        var answer = await Api.PostFormAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["client_id"] = client.ClientId, ["client_secret"] = client.Secret!,
            ["code_verifier"] = OAuthTestClient.Verifier,
        });

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidRequest)));
    }

    [Test]
    [Requirement("RFC7636-4.5-verifier-required", "SPEC-4-pkce-verify", "RFC9700-2.1.1-pkce-support")]
    public async Task Exchange_ChallengedCodeWithoutVerifier_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);

        var answer = await Api.ExchangeAsync(client, code, verifier: null);

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
    }

    [Test]
    [Requirement("RFC7636-4.6-verifier-match", "SPEC-4-pkce-verify", "RFC9700-2.1.1-pkce-support")]
    public async Task Exchange_WrongVerifier_IsInvalidGrantAndTheRightOneStillWorks()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);

        var wrong = await Api.ExchangeAsync(client, code, verifier: new string('x', 43));
        var right = await Api.ExchangeAsync(client, code);

        Assert.That((wrong.Status, wrong.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
        Assert.That(right.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("RFC7636-4.1-verifier-format", "SPEC-4-pkce-verify")]
    public async Task Exchange_MalformedVerifier_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);

        var answer = await Api.ExchangeAsync(client, code, verifier: "short");

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
    }

    [Test]
    [Requirement("RFC9700-2.1.1-pkce-downgrade", "SPEC-4-pkce-downgrade")]
    public async Task Exchange_VerifierForCodeWithoutChallenge_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user, challenge: null);

        var answer = await Api.ExchangeAsync(client, code);

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
    }

    [Test]
    [Requirement("SPEC-4-pkce-instead-of-secret")]
    public async Task Exchange_ConfidentialClientWithVerifierAndNoSecret_Works()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);

        var answer = await Api.ExchangeAsync(client, code, sendSecret: false);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body.ToString());
    }

    [Test]
    [Requirement("SPEC-4-invalid-client", "RFC6749-3.2.1-confidential-auth")]
    public async Task Exchange_ConfidentialClientWithNeitherSecretNorVerifier_Is401()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user, challenge: null);

        var answer = await Api.ExchangeAsync(client, code, verifier: null, sendSecret: false);

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
    }

    [Test]
    [Requirement("RFC6749-4.1.3-auth-if-sent", "SPEC-4-pkce-instead-of-secret")]
    public async Task Exchange_PkceBoundCodeWithWrongSecret_Is401AndTheCodeStillWorks()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);

        var wrong = await Api.ExchangeAsync(client with { Secret = new string('0', 64) }, code);
        var right = await Api.ExchangeAsync(client, code);

        Assert.That((wrong.Status, wrong.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
        Assert.That(right.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Exchange_PlainChallenge_VerifierEqualToChallengeWorks()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var verifier = Secrets.RandomUrlSafe(40);
        var code = await Api.IssueCodeAsync(client, user, challenge: verifier, method: CodeChallengeMethods.Plain);

        var answer = await Api.ExchangeAsync(client, code, verifier: verifier);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-4-public-client", "SPEC-1-client-types", "RFC6749-2.1-client-type")]
    public async Task Exchange_PublicClientWithVerifier_Works()
    {
        var client = await Seed.ClientAsync(isPublic: true);
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);

        var answer = await Api.ExchangeAsync(client, code);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("RFC6749-4.1.2-code-single-use", "RFC6749-4.1.2-code-reuse-revokes", "SPEC-4-code-replay-revokes")]
    public async Task Exchange_ValidReplay_IsInvalidGrantAndRevokesTheFirstTokens()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync(admin: true);
        var code = await Api.IssueCodeAsync(client, user);
        var first = await Api.ExchangeAsync(client, code);
        Assert.That((await Api.GetWithBearerAsync("/rest/api/1.0/myself", first.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var replay = await Api.ExchangeAsync(client, code);

        Assert.That((replay.Status, replay.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
        Assert.That((await Api.GetWithBearerAsync("/rest/api/1.0/myself", first.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Api.RefreshAsync(client, first.RefreshToken)).Error, Is.EqualTo(Errors.InvalidGrant));
    }

    [Test]
    [Requirement("SPEC-4-code-replay-revokes")]
    public async Task Exchange_InvalidReplay_RevokesNothing()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);
        var first = await Api.ExchangeAsync(client, code);

        var replay = await Api.ExchangeAsync(client, code, verifier: new string('z', 43));

        Assert.That(replay.Error, Is.EqualTo(Errors.InvalidGrant));
        Assert.That((await Api.GetWithBearerAsync("/rest/api/1.0/myself", first.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-4-code-atomic", "RFC6749-4.1.2-code-single-use")]
    public async Task Exchange_TwentyConcurrentRedemptions_ExactlyOneSucceeds()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);
        using var gate = new ManualResetEventSlim(false);

        var attempts = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            gate.Wait();
            return await Api.ExchangeAsync(client, code);
        })).ToList();
        gate.Set();
        var answers = await Task.WhenAll(attempts);

        Assert.That(answers.Count(a => a.Status == HttpStatusCode.OK), Is.EqualTo(1));
        Assert.That(answers.Where(a => a.Status != HttpStatusCode.OK).Select(a => a.Error), Is.All.EqualTo(Errors.InvalidGrant));
        Assert.That(await LivePairsOfGrantsOfClientAsync(client), Is.LessThanOrEqualTo(1));
    }

    [Test]
    [Requirement("RFC6749-4.1.2-code-lifetime", "RFC6749-4.1.3-code-valid", "SPEC-4-code-checks")]
    public async Task Exchange_CodeOlderThanMaxClientDelay_IsInvalidGrant()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = TokenHarness.WithClock(clock);
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await harness.Client.IssueCodeAsync(client, user);

        clock.Advance(TimeSpan.FromSeconds(61));
        var answer = await harness.Client.ExchangeAsync(client, code);

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
    }

    [Test]
    [Requirement("SPEC-4-require-secret-with-pkce")]
    public async Task Exchange_RequireClientSecretWithPkce_RefusesVerifierWithoutSecret()
    {
        await using var harness = new TokenHarness(new Dictionary<string, string?> { ["OAuth2Provider:RequireClientSecretWithPkce"] = "true" });
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await harness.Client.IssueCodeAsync(client, user);

        var withoutSecret = await harness.Client.ExchangeAsync(client, code, sendSecret: false);
        var withSecret = await harness.Client.ExchangeAsync(client, code);

        Assert.That((withoutSecret.Status, withoutSecret.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
        Assert.That(withSecret.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [Requirement("SPEC-1-user-active")]
    public async Task Exchange_UserDeactivatedAfterConsent_IsInvalidGrant()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await Api.IssueCodeAsync(client, user);
        await new Data.Stores.UserStore(TestDatabase.DataSource).SetActiveAsync(user.User.Id, false, DateTimeOffset.UtcNow, CancellationToken.None);

        var answer = await Api.ExchangeAsync(client, code);

        Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
    }
}
