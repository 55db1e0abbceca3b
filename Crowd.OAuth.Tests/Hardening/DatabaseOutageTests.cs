using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;
using Npgsql;

namespace Crowd.OAuth.Tests.Hardening;

/// <summary>
/// The database goes away, restarts or stalls under a real server process: 503
/// temporarily_unavailable, never 500, never a token whose rows did not commit, and service again
/// without restarting the server.
/// </summary>
[Category("Hardening")]
public sealed class DatabaseOutageTests
{
    private const int Workers = 4;

    [Test]
    public async Task TokenFlow_PostgresRestartedUnderLoad_OnlyOkOrUnavailableAndNoPairBroken()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var db = new ClusterHarness(cluster.ConnectionString);
        await using var server = await Hardening.StartServerAsync(cluster.ConnectionString);
        var user = await db.UserAsync();
        var clients = new List<SeededClient>();
        for (var i = 0; i < Workers; i++) clients.Add(await db.ClientAsync());

        var unexpected = new ConcurrentQueue<string>();
        var unavailable = 0;
        var issuedAccessTokens = new ConcurrentQueue<string>();
        var lastPairs = new TokenAnswer?[Workers];
        var okAfterRestart = new TimeSpan?[Workers];
        var successes = new int[Workers];
        var clock = Stopwatch.StartNew();
        var restartedAt = TimeSpan.MaxValue;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));

        async Task WorkAsync(int w)
        {
            var api = db.ClientFor(server, TimeSpan.FromSeconds(20));
            var client = clients[w];
            for (var iteration = 0; iteration < 2000 && !stop.IsCancellationRequested; iteration++)
            {
                TokenAnswer answer;
                var pair = lastPairs[w];
                string? code = null;
                if (pair is null)
                {
                    try
                    {
                        code = await api.IssueCodeAsync(client, user);
                    }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
                    {
                        await Task.Delay(50);                       // the test's own insert, during the outage
                        continue;
                    }
                }
                try
                {
                    answer = pair is null ? await api.ExchangeAsync(client, code!) : await api.RefreshAsync(client, pair.RefreshToken);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    unexpected.Enqueue($"worker {w}: transport failure {e.GetType().Name}");
                    continue;
                }
                if (answer.Status == HttpStatusCode.OK)
                {
                    issuedAccessTokens.Enqueue(answer.AccessToken);
                    lastPairs[w] = answer;
                    successes[w]++;
                    var at = clock.Elapsed;
                    if (at > restartedAt && okAfterRestart[w] is null) okAfterRestart[w] = at - restartedAt;
                }
                else if (answer.Status == HttpStatusCode.ServiceUnavailable && answer.Error == Errors.TemporarilyUnavailable)
                {
                    // A failed exchange abandons its code (a real client starts over); a failed refresh retries its token.
                    Interlocked.Increment(ref unavailable);
                    await Task.Delay(20);
                }
                else
                {
                    unexpected.Enqueue($"worker {w}: {(int)answer.Status} {answer.Error} on {(pair is null ? "exchange" : "refresh")}");
                }
            }
        }

        var work = Enumerable.Range(0, Workers).Select(w => Task.Run(() => WorkAsync(w))).ToArray();
        await Hardening.EventuallyAsync(() => Task.FromResult(successes.All(s => s >= 3)), TimeSpan.FromSeconds(15));
        Assert.That(successes, Is.All.GreaterThanOrEqualTo(3), "every worker was going before the restart");

        await cluster.RestartServerAsync();
        restartedAt = clock.Elapsed;
        await Hardening.EventuallyAsync(() => Task.FromResult(okAfterRestart.All(t => t is not null)), TimeSpan.FromSeconds(15));
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(work);
        db.DataSource.Clear();                                     // the test's own pooled connections died with the restart

        TestContext.Out.WriteLine($"200s: {issuedAccessTokens.Count}, 503s: {unavailable}, back after: {string.Join(", ", okAfterRestart)}");
        Assert.That(unexpected, Is.Empty, "only 200 and 503 temporarily_unavailable");
        Assert.That(server.Output, Does.Not.Contain("Unexpected failure"), "no 500 was logged");
        // Every 200 stands for committed rows.
        Assert.That(await db.CountStoredAccessTokensAsync(issuedAccessTokens.ToArray()), Is.EqualTo(issuedAccessTokens.Count));
        // Service came back within 10 s of the restart for every worker.
        Assert.That(okAfterRestart, Is.All.Not.Null.And.All.LessThanOrEqualTo(TimeSpan.FromSeconds(10)));
        // No pair was broken: each worker's last refresh token still refreshes, and the new access token works.
        var check = db.ClientFor(server);
        for (var w = 0; w < Workers; w++)
        {
            var refreshed = await check.RefreshAsync(clients[w], lastPairs[w]!.RefreshToken);
            Assert.That(refreshed.Status, Is.EqualTo(HttpStatusCode.OK), $"worker {w}: {refreshed.Body}");
            Assert.That(await Hardening.MyselfAsync(check, refreshed.AccessToken), Is.EqualTo(HttpStatusCode.OK));
        }
    }

    [Test]
    public async Task TokenAndBearer_DatabaseStoppedThenStarted_503ThenServeAgainWithoutRestart()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var db = new ClusterHarness(cluster.ConnectionString);
        await using var server = await Hardening.StartServerAsync(cluster.ConnectionString);
        var api = db.ClientFor(server);
        var client = await db.ClientAsync();
        var pair = await api.ObtainTokensAsync(client, await db.UserAsync());

        var watch = Stopwatch.StartNew();
        await cluster.StopServerAsync();
        TestContext.Out.WriteLine($"stopped after {watch.Elapsed}");

        var refresh = await api.RefreshAsync(client, pair.RefreshToken);
        Assert.That((refresh.Status, refresh.Error), Is.EqualTo((HttpStatusCode.ServiceUnavailable, Errors.TemporarilyUnavailable)));
        Assert.That(refresh.Headers.RetryAfter, Is.Not.Null);
        Assert.That(refresh.Headers.CacheControl?.NoStore, Is.True);
        var exchange = await api.ExchangeAsync(client, "a-code-that-cannot-be-checked-now");
        Assert.That((exchange.Status, exchange.Error), Is.EqualTo((HttpStatusCode.ServiceUnavailable, Errors.TemporarilyUnavailable)));
        var myself = await api.SendAsync(Bearer("/rest/api/1.0/myself", pair.AccessToken));
        Assert.That((myself.Status, myself.Error), Is.EqualTo((HttpStatusCode.ServiceUnavailable, Errors.TemporarilyUnavailable)));
        Assert.That((await api.Http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That((await api.Http.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        TestContext.Out.WriteLine($"503s seen after {watch.Elapsed}");
        await cluster.StartServerAsync();
        TestContext.Out.WriteLine($"started after {watch.Elapsed}");
        TokenAnswer? refreshed = null;
        var back = await Hardening.EventuallyAsync(async () =>
        {
            refreshed = await api.RefreshAsync(client, pair.RefreshToken);
            Assert.That(refreshed.Status, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable), refreshed.Body.ToString());
            return refreshed.Status == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200));

        TestContext.Out.WriteLine($"serving again {back} after the start");
        Assert.That(back, Is.Not.Null.And.LessThanOrEqualTo(TimeSpan.FromSeconds(10)), "the token endpoint serves again within 10 s");
        Assert.That(await Hardening.MyselfAsync(api, refreshed!.AccessToken), Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await api.Http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(server.HasExited, Is.False);
        Assert.That(server.Output, Does.Not.Contain("Unexpected failure"));
    }

    [Test]
    public async Task Token_DatabaseStalls_503AfterCommandTimeoutWhileTheServerStaysResponsive()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var db = new ClusterHarness(cluster.ConnectionString);
        // LocalCluster's connection string bounds commands at 5 s.
        await using var server = await Hardening.StartServerAsync(cluster.ConnectionString);
        var api = db.ClientFor(server);
        var client = await db.ClientAsync();
        var pair = await api.ObtainTokensAsync(client, await db.UserAsync());

        // A stalled database: every read of clients waits behind this lock.
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using (var cmd = new NpgsqlCommand("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE", connection, tx)) await cmd.ExecuteNonQueryAsync();

            var stalled = Task.WhenAll(Enumerable.Range(0, 3).Select(_ => api.RefreshAsync(client, pair.RefreshToken)));
            await Task.Delay(500);
            var live = Stopwatch.StartNew();
            Assert.That((await api.Http.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(live.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)), "a stalled database does not stall the server");
            var answers = await stalled;
            Assert.That(answers.Select(a => (a.Status, a.Error)), Is.All.EqualTo((HttpStatusCode.ServiceUnavailable, Errors.TemporarilyUnavailable)));
            await tx.RollbackAsync();
        }

        var after = await api.RefreshAsync(client, pair.RefreshToken);
        Assert.That(after.Status, Is.EqualTo(HttpStatusCode.OK), after.Body.ToString());
    }

    private static HttpRequestMessage Bearer(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
