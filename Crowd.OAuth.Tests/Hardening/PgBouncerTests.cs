using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Hardening;

/// <summary>The token flow through PgBouncer in transaction pooling mode: no session state is relied on.</summary>
[Category("Hardening")]
public sealed class PgBouncerTests
{
    [Test]
    public async Task TokenFlow_BehindPgBouncerTransactionPooling_ExchangeRefreshBearerAndReplayRevocationWork()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var bouncer = await PgBouncer.StartAsync(cluster, poolSize: 3);
        await using var db = new ClusterHarness(cluster.ConnectionString);
        await using var server = await Hardening.StartServerAsync(bouncer.ConnectionString);
        var api = db.ClientFor(server);
        var client = await db.ClientAsync();
        var user = await db.UserAsync();

        Assert.That((await api.Http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK), server.Output);

        // Code exchange (a transaction held across statements) and bearer use.
        var code = await api.IssueCodeAsync(client, user);
        var first = await api.ExchangeAsync(client, code);
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK), first.Body.ToString() + server.Output + bouncer.Log);
        Assert.That(await Hardening.MyselfAsync(api, first.AccessToken), Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await api.GetWithBearerAsync("/rest/admin/1.0/server-info", first.AccessToken)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // Sequential refreshes, many more requests than the pool has server connections.
        var pair = first;
        for (var i = 0; i < 10; i++)
        {
            var next = await api.RefreshAsync(client, pair.RefreshToken);
            Assert.That(next.Status, Is.EqualTo(HttpStatusCode.OK), next.Body.ToString());
            pair = next;
        }
        Assert.That(await Hardening.MyselfAsync(api, pair.AccessToken), Is.EqualTo(HttpStatusCode.OK));

        // Many grants refreshed concurrently, each by one caller: all succeed.
        var pairs = new List<(SeededClient Client, TokenAnswer Pair)>();
        for (var i = 0; i < 8; i++)
        {
            var c = await db.ClientAsync();
            pairs.Add((c, await api.ObtainTokensAsync(c, user)));
        }
        var parallel = await Task.WhenAll(pairs.Select(p => Task.Run(() => api.RefreshAsync(p.Client, p.Pair.RefreshToken))));
        Assert.That(parallel.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));

        // Concurrent refreshes of one token: exactly one rotation wins.
        using var gate = new ManualResetEventSlim(false);
        var racing = Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            gate.Wait();
            return await api.RefreshAsync(client, pair.RefreshToken);
        })).ToList();
        gate.Set();
        var raced = await Task.WhenAll(racing);
        Assert.That(raced.Count(a => a.Status == HttpStatusCode.OK), Is.EqualTo(1));
        Assert.That(raced.Where(a => a.Status != HttpStatusCode.OK).Select(a => a.Error), Is.All.EqualTo(Errors.InvalidGrant));

        // A replayed code revokes its grant.
        var code2 = await api.IssueCodeAsync(client, user);
        var second = await api.ExchangeAsync(client, code2);
        Assert.That(second.Status, Is.EqualTo(HttpStatusCode.OK));
        var replay = await api.ExchangeAsync(client, code2);
        Assert.That((replay.Status, replay.Error), Is.EqualTo((HttpStatusCode.BadRequest, Errors.InvalidGrant)));
        Assert.That(await Hardening.MyselfAsync(api, second.AccessToken), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await api.RefreshAsync(client, second.RefreshToken)).Error, Is.EqualTo(Errors.InvalidGrant));

        // Failed authentication is counted through the pooler too (an upsert in autocommit).
        var wrong = await api.RefreshAsync(client with { Secret = new string('0', 64) }, second.RefreshToken);
        Assert.That(wrong.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(server.Output, Does.Not.Contain("Unexpected failure"));
    }
}
