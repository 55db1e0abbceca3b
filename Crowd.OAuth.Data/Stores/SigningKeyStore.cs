using Crowd.OAuth.Core.Tokens;
using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data.Stores;

public sealed class SigningKeyStore : ISigningKeyStore
{
    private readonly NpgsqlDataSource _db;

    public SigningKeyStore(NpgsqlDataSource db)
    {
        DapperSetup.EnsureConfigured();
        _db = db;
    }

    private const string UsableSql = """
        SELECT kid AS Kid, secret AS Secret, (activated_at IS NOT NULL) AS Active, created_at AS CreatedAt
        FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at
        """;

    public async Task<IReadOnlyList<SigningKey>> GetUsableAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<KeyRow>(new CommandDefinition(UsableSql, cancellationToken: cancellationToken));
        return rows.Select(r => new SigningKey(r.Kid, r.Secret, r.Active, r.CreatedAt)).ToList();
    }

    private const string InsertSql = "INSERT INTO signing_keys (kid, secret, created_at) VALUES (@Kid, @Secret, @CreatedAt)";
    private const string DeactivateAllSql = "UPDATE signing_keys SET activated_at = NULL WHERE activated_at IS NOT NULL AND kid <> @kid";
    private const string ActivateSql = "UPDATE signing_keys SET activated_at = @now WHERE kid = @kid AND retired_at IS NULL";

    public async Task AddAsync(SigningKey key, bool activate, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new { key.Kid, key.Secret, key.CreatedAt }, tx, cancellationToken: cancellationToken));
        if (activate)
        {
            await connection.ExecuteAsync(new CommandDefinition(DeactivateAllSql, new { kid = key.Kid }, tx, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(ActivateSql, new { kid = key.Kid, now = key.CreatedAt }, tx, cancellationToken: cancellationToken));
        }
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<bool> ActivateAsync(string kid, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(DeactivateAllSql, new { kid }, tx, cancellationToken: cancellationToken));
        var done = await connection.ExecuteAsync(new CommandDefinition(ActivateSql, new { kid, now }, tx, cancellationToken: cancellationToken)) == 1;
        if (done) await tx.CommitAsync(cancellationToken);
        return done;
    }

    private const string RetireSql = "UPDATE signing_keys SET retired_at = @now WHERE kid = @kid AND retired_at IS NULL AND activated_at IS NULL";

    public async Task<bool> RetireAsync(string kid, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(RetireSql, new { kid, now }, cancellationToken: cancellationToken)) == 1;
    }

    // The unique index on the active key makes a racing second node's insert a no-op.
    private const string EnsureSql = """
        INSERT INTO signing_keys (kid, secret, created_at, activated_at)
        SELECT @Kid, @Secret, @CreatedAt, @CreatedAt
        WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE activated_at IS NOT NULL AND retired_at IS NULL)
        ON CONFLICT DO NOTHING
        """;

    public async Task EnsureOneActiveAsync(Func<SigningKey> create, CancellationToken cancellationToken)
    {
        var key = create();
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(EnsureSql, new { key.Kid, key.Secret, key.CreatedAt }, cancellationToken: cancellationToken));
    }

    private sealed class KeyRow
    {
        public string Kid { get; init; } = "";
        public byte[] Secret { get; init; } = [];
        public bool Active { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
    }
}
