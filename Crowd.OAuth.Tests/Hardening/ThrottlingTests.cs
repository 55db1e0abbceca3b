using System.Collections.Concurrent;
using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Throttling;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Hardening;

/// <summary>
/// Failed client authentication throttled across nodes (RFC 9700 §4.16), and the per-node flood
/// guard: 429 with Retry-After and a body in the RFC 6749 §5.2 shape.
/// </summary>
[Category("Hardening")]
public sealed class ThrottlingTests
{
    // A long window, so that a test never straddles two windows.
    private static readonly Dictionary<string, string?> LongWindow = new() { ["OAuth2Provider:Throttling:FailedClientAuthenticationWindowSeconds"] = "3600" };

    [Test]
    [Requirement("RFC6749-2.3.1-throttle-guessing", "RFC6585-4-too-many-requests")]
    public async Task WrongSecretFlood_TwoNodesOneDatabase_ThrottledTogetherAndOtherClientUnaffected()
    {
        var env = new Dictionary<string, string?> { ["CROWDOAUTH_OAuth2Provider__Throttling__FailedClientAuthenticationWindowSeconds"] = "3600" };
        var starting = new[] { Hardening.StartServerAsync(TestDatabase.ConnectionString, env), Hardening.StartServerAsync(TestDatabase.ConnectionString, env), Hardening.StartServerAsync(TestDatabase.ConnectionString, env) };
        await using var nodeA = await starting[0];
        await using var nodeB = await starting[1];
        await using var bystander = await starting[2];            // sees none of the failures
        await using var db = new ClusterHarness(TestDatabase.ConnectionString);
        var nodes = new[] { db.ClientFor(nodeA), db.ClientFor(nodeB) };
        var user = await db.UserAsync();
        var victim = await db.ClientAsync();
        var healthy = await db.ClientAsync();
        var victimPair = await nodes[0].ObtainTokensAsync(victim, user);
        var healthyPair = await nodes[0].ObtainTokensAsync(healthy, user);
        var guess = victim with { Secret = new string('e', 64) };
        var limit = new ThrottlingOptions().FailedClientAuthenticationLimit;

        var flood = new ConcurrentQueue<TokenAnswer>();
        var floodTasks = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++) flood.Enqueue(await nodes[(t + i) % 2].RefreshAsync(guess, victimPair.RefreshToken));
        }));
        var healthyAnswers = new List<TokenAnswer>();
        var healthyTask = Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                var answer = await nodes[i % 2].RefreshAsync(healthy, healthyPair.RefreshToken);
                healthyAnswers.Add(answer);
                if (answer.Status == HttpStatusCode.OK) healthyPair = answer;
            }
        });
        await Task.WhenAll(floodTasks.Append(healthyTask));

        // Exactly the limit of failures was evaluated, whichever node took them; the rest got 429.
        Assert.That(flood.Count(a => a.Status == HttpStatusCode.Unauthorized), Is.EqualTo(limit), Hardening.Describe(flood.Select(a => $"{(int)a.Status}")));
        var throttled = flood.Where(a => a.Status != HttpStatusCode.Unauthorized).ToList();
        Assert.That(throttled.Select(a => (a.Status, a.Error)), Is.All.EqualTo(((HttpStatusCode)429, Errors.TemporarilyUnavailable)));
        Assert.That(throttled.Select(a => a.Headers.RetryAfter?.Delta?.TotalSeconds), Is.All.GreaterThanOrEqualTo(1));
        Assert.That(throttled.Select(a => a.Headers.CacheControl?.NoStore), Is.All.True);
        // The healthy client never noticed.
        Assert.That(healthyAnswers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));

        // Both nodes now refuse the victim's client_id even with the right secret (no oracle for guesses).
        foreach (var node in nodes)
        {
            var right = await node.RefreshAsync(victim, victimPair.RefreshToken);
            Assert.That((right.Status, right.Error), Is.EqualTo(((HttpStatusCode)429, Errors.TemporarilyUnavailable)));
        }
        // A node that saw none of the failures learns of the block from the shared counters within seconds.
        var third = db.ClientFor(bystander);
        var learnt = await Hardening.EventuallyAsync(async () =>
            (await third.ExchangeAsync(victim, "not-a-code")).Status == (HttpStatusCode)429, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250));
        Assert.That(learnt, Is.Not.Null, "the third node refuses the blocked client too");
        Assert.That((await third.RefreshAsync(healthy, healthyPair.RefreshToken)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(nodeA.Output + nodeB.Output, Does.Not.Contain(guess.Secret).And.Not.Contain(victim.Secret));
    }

    [Test]
    public async Task Authenticate_LimitOfFailuresReached_RightSecretAlso429AndOtherClientsServed()
    {
        var settings = new Dictionary<string, string?>(LongWindow) { ["OAuth2Provider:Throttling:FailedClientAuthenticationLimit"] = "3" };
        await using var harness = new TokenHarness(settings);
        var api = harness.Client;
        var client = await Seed.ClientAsync();
        var other = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var wrong = client with { Secret = new string('a', 64) };

        var answers = new List<TokenAnswer>();
        for (var i = 0; i < 5; i++) answers.Add(await api.ExchangeAsync(wrong, "some-code"));

        Assert.That(answers.Select(a => (int)a.Status), Is.EqualTo(new[] { 401, 401, 401, 429, 429 }));
        var right = await api.ExchangeAsync(client, await api.IssueCodeAsync(client, user));
        Assert.That((right.Status, right.Error), Is.EqualTo(((HttpStatusCode)429, Errors.TemporarilyUnavailable)));
        Assert.That(right.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromHours(1)));
        Assert.That(right.Headers.WwwAuthenticate, Is.Empty, "a throttle is not a challenge");
        Assert.That((await api.ObtainTokensAsync(other, user)).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task PerClientRateLimit_FloodFromOneClient_429WithRetryAfterAndJsonOthersUnaffected()
    {
        await using var harness = new TokenHarness(new Dictionary<string, string?> { ["OAuth2Provider:Throttling:ClientRequestsPerSecond"] = "3" });
        var api = harness.Client;
        var flooding = Secrets.RandomHex(16);
        var quiet = Secrets.RandomHex(16);
        var form = (string id) => new Dictionary<string, string> { [Parameters.GrantType] = "urn:example:unsupported", [Parameters.ClientId] = id };

        var answers = new List<TokenAnswer>();
        for (var i = 0; i < 12; i++) answers.Add(await api.PostFormAsync(form(flooding)));
        var other = await api.PostFormAsync(form(quiet));

        var limited = answers.Where(a => a.Status == (HttpStatusCode)429).ToList();
        Assert.That(limited, Is.Not.Empty);
        Assert.That(answers.Count(a => a.Status != (HttpStatusCode)429), Is.LessThanOrEqualTo(6), "at most two one-second windows' worth");
        Assert.That(limited.Select(a => a.Error), Is.All.EqualTo(Errors.TemporarilyUnavailable));
        Assert.That(limited.Select(a => a.Headers.RetryAfter), Is.All.Not.Null);
        Assert.That((other.Status, other.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.UnsupportedGrantType)));
    }

    [Test]
    public async Task Hit_ConcurrentHitsFromManyCallers_EachCountedOnceAndPurgeDropsEndedWindows()
    {
        var store = new ThrottleStore(TestDatabase.DataSource);
        var key = "test:" + Guid.NewGuid();
        var window = TimeSpan.FromMinutes(10);
        // Long ago, so that the purges below touch no other test's counters.
        var now = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);

        var counts = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => Task.Run(() => store.HitAsync(key, window, now, CancellationToken.None))));

        Assert.That(counts.Order(), Is.EqualTo(Enumerable.Range(1, 25)), "every hit saw its own count");
        Assert.That(await store.CountAsync(key, window, now, CancellationToken.None), Is.EqualTo(25));
        Assert.That(await store.CountAsync(key, window, now + window, CancellationToken.None), Is.Zero, "the next window starts at zero");
        Assert.That(await store.ListAtLimitAsync("test:", 25, window, now, CancellationToken.None), Does.Contain(key));

        await store.PurgeAsync(ThrottleWindow.StartOf(now, window), CancellationToken.None);
        Assert.That(await store.CountAsync(key, window, now, CancellationToken.None), Is.EqualTo(25), "the current window stays");
        await store.PurgeAsync(ThrottleWindow.StartOf(now, window) + window, CancellationToken.None);
        Assert.That(await store.CountAsync(key, window, now, CancellationToken.None), Is.Zero, "an ended window goes");
    }
}
