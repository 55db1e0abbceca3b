using Crowd.OAuth.Core.Grants;
using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data.Stores;

public sealed class AuthorizationCodeStore : IAuthorizationCodeStore
{
    private readonly NpgsqlDataSource _db;

    public AuthorizationCodeStore(NpgsqlDataSource db)
    {
        DapperSetup.EnsureConfigured();
        _db = db;
    }

    // The grant and its code in one statement: both or neither.
    private const string CreateSql = """
        WITH g AS (
            INSERT INTO grants (id, client_pk, user_id, scope, created_at)
            VALUES (@GrantId, @ClientPk, @UserId, @Scope, @CreatedAt)
        )
        INSERT INTO authorization_codes (code_hash, grant_id, client_pk, user_id, redirect_uri, scope,
                                         code_challenge, code_challenge_method, created_at, expires_at)
        VALUES (@CodeHash, @GrantId, @ClientPk, @UserId, @RedirectUri, @Scope,
                @CodeChallenge, @CodeChallengeMethod, @CreatedAt, @ExpiresAt)
        """;

    public async Task CreateAsync(NewAuthorizationCode code, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(CreateSql, code, cancellationToken: cancellationToken));
    }

    private const string Columns = """
        grant_id AS GrantId, client_pk AS ClientPk, user_id AS UserId, redirect_uri AS RedirectUri, scope AS Scope,
        code_challenge AS CodeChallenge, code_challenge_method AS CodeChallengeMethod, expires_at AS ExpiresAt, consumed_at AS ConsumedAt
        """;

    // RFC 6749 §4.1.2: single use. The conditional UPDATE is the redemption; zero rows means someone else has it.
    private const string RedeemSql = $"""
        UPDATE authorization_codes SET consumed_at = @now
        WHERE code_hash = @codeHash AND consumed_at IS NULL AND expires_at > @now
          AND client_pk = @clientPk AND redirect_uri = @redirectUri
          AND EXISTS (SELECT 1 FROM users u WHERE u.id = authorization_codes.user_id AND u.active)
        RETURNING {Columns}
        """;

    public async Task<ICodeRedemption> RedeemAsync(byte[] codeHash, Guid clientPk, string redirectUri, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await _db.OpenConnectionAsync(cancellationToken);
        try
        {
            var tx = await connection.BeginTransactionAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<CodeRow>(new CommandDefinition(RedeemSql,
                new { codeHash, clientPk, redirectUri, now }, tx, cancellationToken: cancellationToken));
            return new Redemption(connection, tx, row?.ToCode());
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private const string FindSql = $"SELECT {Columns} FROM authorization_codes WHERE code_hash = @codeHash";

    public async Task<StoredAuthorizationCode?> FindAsync(byte[] codeHash, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<CodeRow>(new CommandDefinition(FindSql, new { codeHash }, cancellationToken: cancellationToken));
        return row?.ToCode();
    }

    private sealed class Redemption(NpgsqlConnection connection, NpgsqlTransaction tx, StoredAuthorizationCode? code) : ICodeRedemption
    {
        private bool _completed;

        public StoredAuthorizationCode? Code => code;

        public async Task CompleteAsync(NewTokenPair pair, CancellationToken cancellationToken)
        {
            if (code is null) throw new InvalidOperationException("this caller did not win the code");
            // A grant's first pair is generation 1, the generation a new grant starts at (db/0002)
            await connection.ExecuteAsync(new CommandDefinition(TokenPairSql.Insert, TokenPairSql.Row(pair, generation: 1, rotatedFrom: null), tx, cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_completed && connection.State == System.Data.ConnectionState.Open) await tx.RollbackAsync();
            }
            catch (NpgsqlException)
            {
                // The connection broke: the server rolls the transaction back by itself.
            }
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private sealed class CodeRow
    {
        public Guid GrantId { get; init; }
        public Guid ClientPk { get; init; }
        public Guid UserId { get; init; }
        public string RedirectUri { get; init; } = "";
        public string Scope { get; init; } = "";
        public string? CodeChallenge { get; init; }
        public string? CodeChallengeMethod { get; init; }
        public DateTimeOffset ExpiresAt { get; init; }
        public DateTimeOffset? ConsumedAt { get; init; }

        public StoredAuthorizationCode ToCode() =>
            new(GrantId, ClientPk, UserId, RedirectUri, Scope, CodeChallenge, CodeChallengeMethod, ExpiresAt, ConsumedAt);
    }
}

internal static class TokenPairSql
{
    public const string Insert = """
        INSERT INTO token_pairs (grant_id, generation, rotated_from, access_hash, refresh_hash, scope, created_at, access_expires_at, refresh_expires_at)
        VALUES (@GrantId, @Generation, @RotatedFrom, @AccessHash, @RefreshHash, @Scope, @CreatedAt, @AccessExpiresAt, @RefreshExpiresAt)
        """;

    public static object Row(NewTokenPair pair, int generation, int? rotatedFrom) => new
    {
        pair.GrantId,
        Generation = generation,
        RotatedFrom = rotatedFrom,
        pair.AccessHash,
        pair.RefreshHash,
        pair.Scope,
        pair.CreatedAt,
        pair.AccessExpiresAt,
        pair.RefreshExpiresAt,
    };
}
