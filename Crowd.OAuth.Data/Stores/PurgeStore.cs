using Crowd.OAuth.Core.Maintenance;
using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data.Stores;

/// <summary>Bounded deletes; SKIP LOCKED lets several nodes purge at once without waiting on each other.</summary>
public sealed class PurgeStore : IPurgeStore
{
    private readonly NpgsqlDataSource _db;

    public PurgeStore(NpgsqlDataSource db)
    {
        DapperSetup.EnsureConfigured();
        _db = db;
    }

    private const string CodesSql = """
        DELETE FROM authorization_codes WHERE code_hash IN (
            SELECT code_hash FROM authorization_codes WHERE expires_at < @cutoff
            LIMIT @batch FOR UPDATE SKIP LOCKED)
        """;

    public async Task<int> PurgeCodesAsync(DateTimeOffset now, TimeSpan keepFor, int batch, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(CodesSql, new { cutoff = now - keepFor, batch }, cancellationToken: cancellationToken));
    }

    private const string PairsSql = """
        DELETE FROM token_pairs WHERE (grant_id, generation) IN (
            SELECT grant_id, generation FROM token_pairs WHERE refresh_expires_at < @now
            LIMIT @batch FOR UPDATE SKIP LOCKED)
        """;

    public async Task<int> PurgeTokenPairsAsync(DateTimeOffset now, int batch, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(PairsSql, new { now, batch }, cancellationToken: cancellationToken));
    }

    private const string GrantsSql = """
        DELETE FROM grants WHERE id IN (
            SELECT g.id FROM grants g
            WHERE (g.revoked_at < @cutoff
                   OR (g.created_at < @cutoff
                       AND NOT EXISTS (SELECT 1 FROM token_pairs p WHERE p.grant_id = g.id)
                       AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.grant_id = g.id)))
            LIMIT @batch FOR UPDATE SKIP LOCKED)
        """;

    public async Task<int> PurgeGrantsAsync(DateTimeOffset now, TimeSpan keepFor, int batch, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(GrantsSql, new { cutoff = now - keepFor, batch }, cancellationToken: cancellationToken));
    }
}
