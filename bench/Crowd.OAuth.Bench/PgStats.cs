using Npgsql;

namespace Crowd.OAuth.Bench;

/// <summary>
/// What PostgreSQL wrote while a scenario ran: WAL records, full-page images and bytes (pg_stat_wal), and
/// the checkpoints started (pg_stat_bgwriter), read once at each end of the measured window.
/// </summary>
public sealed class WalStats(NpgsqlDataSource? db)
{
    public sealed record Reading(long Records, long FullPageImages, long Bytes, long Checkpoints);

    private const string Sql = """
        SELECT w.wal_records, w.wal_fpi, w.wal_bytes::bigint, b.checkpoints_timed + b.checkpoints_req
        FROM pg_stat_wal w, pg_stat_bgwriter b
        """;

    public async Task<Reading?> ReadAsync(CancellationToken ct)
    {
        if (db is null) return null;
        await using var command = db.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Reading(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }
}
