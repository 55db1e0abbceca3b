using System.Net;
using Crowd.OAuth.Core.Maintenance;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crowd.OAuth.Tests.Operations;

/// <summary>The purge (Spec §8): expired rows go, in batches, safely from several nodes at once; nothing live goes.</summary>
public sealed class PurgeTests
{
    private static async Task<long> CountAsync(string sql, object? parameter = null)
    {
        await using var cmd = TestDatabase.DataSource.CreateCommand(sql);
        if (parameter is not null) cmd.Parameters.AddWithValue(parameter);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>A grant whose code and pair expired two days ago.</summary>
    private static async Task<Guid> InsertExpiredGrantAsync(SeededClient client, SeededUser user)
    {
        var grant = Guid.NewGuid();
        string[] statements =
        [
            "INSERT INTO grants (id, client_pk, user_id, scope, created_at) VALUES ($1, $2, $3, 'USER', now() - interval '40 days')",
            """
            INSERT INTO authorization_codes (code_hash, grant_id, client_pk, user_id, redirect_uri, scope, created_at, expires_at, consumed_at)
            VALUES (sha256(gen_random_uuid()::text::bytea), $1, $2, $3, 'https://app.example.test/callback', 'USER',
                    now() - interval '3 days', now() - interval '3 days' + interval '60 seconds', now() - interval '3 days')
            """,
            """
            INSERT INTO token_pairs (grant_id, generation, access_hash, refresh_hash, scope, created_at, access_expires_at, refresh_expires_at)
            VALUES ($1, 1, sha256(gen_random_uuid()::text::bytea), sha256(gen_random_uuid()::text::bytea), 'USER',
                    now() - interval '40 days', now() - interval '40 days' + interval '2 hours', now() - interval '2 days')
            """,
        ];
        foreach (var sql in statements)
        {
            await using var cmd = TestDatabase.DataSource.CreateCommand(sql);
            cmd.Parameters.AddWithValue(grant);
            cmd.Parameters.AddWithValue(client.Client.Id);
            cmd.Parameters.AddWithValue(user.User.Id);
            await cmd.ExecuteNonQueryAsync();
        }
        return grant;
    }

    [Test]
    [Requirement("SPEC-8-prune")]
    public async Task Purge_ConcurrentNodesDuringUse_DeletesOnlyExpiredRowsAndLiveChainsKeepWorking()
    {
        await using var harness = new TokenHarness();
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var expired = new List<Guid>();
        for (var i = 0; i < 30; i++) expired.Add(await InsertExpiredGrantAsync(client, user));
        var chains = new List<string>();
        for (var i = 0; i < 8; i++) chains.Add((await harness.Client.ObtainTokensAsync(client, user)).RefreshToken);
        var purgers = Enumerable.Range(0, 3).Select(_ => new Purger(new PurgeStore(TestDatabase.DataSource), new ThrottleStore(TestDatabase.DataSource), TimeProvider.System, NullLogger<Purger>.Instance)).ToList();

        // Refresh every chain in a loop while three "nodes" purge at once.
        var refreshing = chains.Select((token, i) => Task.Run(async () =>
        {
            var current = token;
            for (var round = 0; round < 5; round++)
            {
                var answer = await harness.Client.RefreshAsync(client, current);
                if (answer.Status != HttpStatusCode.OK) return $"chain {i} round {round}: {answer.Body}";
                current = answer.RefreshToken;
            }
            chains[i] = current;
            return null;
        })).ToList();
        var purging = purgers.Select(p => p.PurgeAsync(CancellationToken.None)).ToList();
        var failures = await Task.WhenAll(refreshing);
        await Task.WhenAll(purging);

        Assert.That(failures.Where(f => f is not null), Is.Empty);
        Assert.That(await CountAsync("SELECT count(*) FROM grants WHERE id = ANY($1)", expired.ToArray()), Is.Zero);
        Assert.That(await CountAsync("SELECT count(*) FROM token_pairs WHERE grant_id = ANY($1)", expired.ToArray()), Is.Zero);
        Assert.That(await CountAsync("SELECT count(*) FROM authorization_codes WHERE grant_id = ANY($1)", expired.ToArray()), Is.Zero);
        foreach (var chain in chains)
        {
            Assert.That((await harness.Client.RefreshAsync(client, chain)).Status, Is.EqualTo(HttpStatusCode.OK), "a live chain survived the purge");
        }
    }

    [Test]
    [Requirement("SPEC-8-prune")]
    public async Task Purge_RotatedPairBeforeItsRefreshExpiry_IsKeptForReuseDetection()
    {
        await using var harness = new TokenHarness();
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var first = await harness.Client.ObtainTokensAsync(client, user);
        await harness.Client.RefreshAsync(client, first.RefreshToken);

        await harness.Factory.Services.GetRequiredService<Purger>().PurgeAsync(CancellationToken.None);

        // The rotated token is still recognised, so its reuse still revokes the grant.
        Assert.That((await harness.Client.RefreshAsync(client, first.RefreshToken)).Error, Is.EqualTo("invalid_grant"));
        Assert.That(await CountAsync("SELECT count(*) FROM grants WHERE client_pk = $1 AND revoked_reason = 'refresh_reuse'", client.Client.Id), Is.EqualTo(1));
    }
}
