using System.Diagnostics;
using Npgsql;

namespace Crowd.OAuth.Bench;

/// <summary>
/// PostgreSQL's side of a measured window: the WAL it wrote (records, full-page images, bytes from
/// pg_stat_wal), the checkpoints it started (pg_stat_bgwriter), read once at each end, and whether
/// autovacuum was at work (pg_stat_activity, sampled once a second). Also the settling step that runs
/// before each scenario.
/// </summary>
public sealed class PgStats(NpgsqlDataSource? db)
{
    public sealed record Reading(long Records, long FullPageImages, long Bytes, long Checkpoints);

    private const string WalSql = """
        SELECT w.wal_records, w.wal_fpi, w.wal_bytes::bigint, b.checkpoints_timed + b.checkpoints_req
        FROM pg_stat_wal w, pg_stat_bgwriter b
        """;

    private const string AutovacuumSql = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'";

    // The tables the scenarios write. VACUUM cannot run in a transaction block: one command each.
    private static readonly string[] SettleCommands =
    [
        "VACUUM (ANALYZE) grants", "VACUUM (ANALYZE) token_pairs", "VACUUM (ANALYZE) authorization_codes",
        "VACUUM (ANALYZE) audit_events", "CHECKPOINT",
    ];

    public async Task<Reading?> ReadAsync(CancellationToken ct)
    {
        if (db is null) return null;
        await using var command = db.CreateCommand(WalSql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Reading(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>True when an autovacuum worker is running now.</summary>
    public async Task<bool?> AutovacuumRunningAsync(CancellationToken ct)
    {
        if (db is null) return null;
        await using var command = db.CreateCommand(AutovacuumSql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) > 0;
    }

    /// <summary>
    /// What pgbench does before a run, and a checkpoint: the previous scenario's dead rows, stale
    /// statistics and dirty pages are dealt with now rather than by autovacuum and the checkpointer in
    /// the middle of the next scenario's window. Returns how long it took; null without a database.
    /// </summary>
    public async Task<TimeSpan?> SettleAsync(CancellationToken ct)
    {
        if (db is null) return null;
        var sw = Stopwatch.StartNew();
        foreach (var sql in SettleCommands)
        {
            await using var command = db.CreateCommand(sql);
            command.CommandTimeout = 600;
            await command.ExecuteNonQueryAsync(ct);
        }
        return sw.Elapsed;
    }
}
