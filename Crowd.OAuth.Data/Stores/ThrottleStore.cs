using Crowd.OAuth.Core.Throttling;
using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data.Stores;

/// <summary>Fixed-window counters in <c>throttle_counters</c>, shared by every node.</summary>
public sealed class ThrottleStore : IThrottleStore
{
    private readonly NpgsqlDataSource _db;

    public ThrottleStore(NpgsqlDataSource db)
    {
        DapperSetup.EnsureConfigured();
        _db = db;
    }

    // One statement: concurrent hits on any node serialise on the row and each sees its own count.
    private const string HitSql = """
        INSERT INTO throttle_counters AS t (key, window_start, hits) VALUES (@key, @windowStart, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET hits = t.hits + 1
        RETURNING hits
        """;

    public async Task<int> HitAsync(string key, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var windowStart = ThrottleWindow.StartOf(now, window);
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(HitSql, new { key, windowStart }, cancellationToken: cancellationToken));
    }

    private const string CountSql = "SELECT coalesce(max(hits), 0) FROM throttle_counters WHERE key = @key AND window_start = @windowStart";

    public async Task<int> CountAsync(string key, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var windowStart = ThrottleWindow.StartOf(now, window);
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(CountSql, new { key, windowStart }, cancellationToken: cancellationToken));
    }

    // The window_start index finds the current window's rows; few of them are at the limit.
    private const string ListAtLimitSql = """
        SELECT key FROM throttle_counters
        WHERE window_start = @windowStart AND hits >= @limit AND starts_with(key, @prefix)
        """;

    public async Task<IReadOnlyCollection<string>> ListAtLimitAsync(string prefix, int limit, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var windowStart = ThrottleWindow.StartOf(now, window);
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var keys = await connection.QueryAsync<string>(new CommandDefinition(ListAtLimitSql, new { prefix, limit, windowStart }, cancellationToken: cancellationToken));
        return keys.ToList();
    }

    private const string PurgeSql = "DELETE FROM throttle_counters WHERE window_start < @before";

    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(PurgeSql, new { before }, cancellationToken: cancellationToken));
    }
}
