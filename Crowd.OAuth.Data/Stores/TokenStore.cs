using System.Data;
using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Grants;
using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data.Stores;

public sealed class TokenStore : ITokenStore
{
    private readonly NpgsqlDataSource _db;

    public TokenStore(NpgsqlDataSource db)
    {
        DapperSetup.EnsureConfigured();
        _db = db;
    }

    // Spec §5: live pair (its grant's current generation), unexpired, grant unrevoked, user active; the client exists by the join.
    // The pair is found once by its unique access_hash and the grant by its primary key from that
    // pair (an InitPlan), whatever the planner believes of the tables' sizes: see RotateSql.
    private const string FindLiveAccessSql = """
        WITH pair AS MATERIALIZED (
            SELECT grant_id, generation, scope, created_at, access_expires_at FROM token_pairs
            WHERE access_hash = @accessHash AND access_expires_at > @now
        )
        SELECT pair.grant_id AS GrantId, c.id AS ClientPk, c.client_id AS ClientId, u.id AS UserId, u.username AS Username,
               u.display_name AS DisplayName, u.email AS Email, u.active AS UserActive, u.is_admin AS UserIsAdmin,
               pair.scope AS Scope, pair.created_at AS IssuedAt, pair.access_expires_at AS ExpiresAt
        FROM pair
        JOIN grants g ON g.id = (SELECT grant_id FROM pair) AND g.generation = pair.generation
        JOIN clients c ON c.id = g.client_pk
        JOIN users u ON u.id = g.user_id
        WHERE g.revoked_at IS NULL AND u.active
        """;

    internal static CommandDefinition FindLiveAccessCommand(byte[] accessHash, DateTimeOffset now, IDbTransaction? transaction, CancellationToken cancellationToken) =>
        new(FindLiveAccessSql, new { accessHash, now }, transaction, cancellationToken: cancellationToken);

    public async Task<AccessTokenInfo?> FindLiveAccessAsync(byte[] accessHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<AccessRow>(FindLiveAccessCommand(accessHash, now, null, cancellationToken));
        return row?.ToInfo();
    }

    // One statement: move the grant to the next generation, insert that generation's pair, audit. The
    // presented pair is not written (db/0002). The client row must still be the one the caller
    // authenticated against (it may come from a recent lookup): a reset secret or a deleted client
    // stops the rotation here, on every node.
    // Concurrent callers with one token serialise on the grant's row lock; after the winner commits,
    // PostgreSQL rechecks the loser's WHERE against the new row version, where "generation = the
    // presented pair's" no longer holds, and it updates nothing.
    // The shape is chosen so that no statistics can make the plan grow with the tables: the presented
    // pair is found once by its unique refresh_hash (an InitPlan), and the grant by its primary key
    // from that pair's values. A join of grants and token_pairs here once degraded, after an
    // autovacuum left grants looking empty to the planner, into a nested loop that probed the
    // refresh_hash index once per grant per grant: 47,524 probes and 300 ms for one rotation of 218
    // grants (bench/README.md, "A plan that grew with the table").
    private const string RotateSql = $"""
        WITH advanced AS (
            UPDATE grants g SET generation = g.generation + 1, last_used_at = @Now
            WHERE (g.id, g.generation) = (SELECT p.grant_id, p.generation FROM token_pairs p
                                          WHERE p.refresh_hash = @PresentedRefreshHash AND p.refresh_expires_at > @Now)
              AND g.revoked_at IS NULL AND g.client_pk = @ClientPk AND g.scope = ANY(@AcceptedCurrentScopes)
              AND EXISTS (SELECT 1 FROM clients c WHERE c.id = @ClientPk AND c.client_type = @ClientType
                          AND c.secret_hash IS NOT DISTINCT FROM @ClientSecretHash)
              AND EXISTS (SELECT 1 FROM users u WHERE u.id = g.user_id AND u.active)
            RETURNING g.id, g.generation, g.scope
        ), next AS (
            INSERT INTO token_pairs (grant_id, generation, rotated_from, access_hash, refresh_hash, scope, created_at, access_expires_at, refresh_expires_at)
            SELECT id, generation, generation - 1, @AccessHash, @RefreshHash, coalesce(@NarrowedScope, scope), @Now, @AccessExpiresAt, @RefreshExpiresAt
            FROM advanced
            RETURNING grant_id, scope
        ), audited AS (
            INSERT INTO audit_events (occurred_at, actor, action, target)
            SELECT @Now, @Actor, '{AuditActions.TokenRefreshed}', grant_id::text FROM next
        )
        SELECT grant_id AS GrantId, scope AS Scope FROM next
        """;

    internal static CommandDefinition RotateCommand(RotationRequest request, IDbTransaction? transaction, CancellationToken cancellationToken)
    {
        var next = request.Next;
        return new CommandDefinition(RotateSql, new
        {
            request.PresentedRefreshHash,
            ClientPk = request.Client.Id,
            request.Client.ClientType,
            ClientSecretHash = request.Client.SecretHash,
            AcceptedCurrentScopes = request.AcceptedCurrentScopes.ToArray(),
            request.NarrowedScope,
            request.Now,
            next.AccessHash,
            next.RefreshHash,
            next.AccessExpiresAt,
            next.RefreshExpiresAt,
            Actor = "client:" + request.Client.Id,
        }, transaction, cancellationToken: cancellationToken);
    }

    public async Task<Rotated?> RotateAsync(RotationRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RotatedRow>(RotateCommand(request, null, cancellationToken));
        return row is null ? null : new Rotated(row.GrantId, row.Scope);
    }

    // RotatedAt: when the pair's refresh token was first rotated, i.e. when the next generation was issued.
    private const string FindRefreshSql = """
        SELECT p.grant_id AS GrantId, p.generation AS Generation, g.client_pk AS ClientPk, g.scope AS Scope,
               p.refresh_expires_at AS RefreshExpiresAt,
               (SELECT s.created_at FROM token_pairs s WHERE s.grant_id = p.grant_id AND s.generation = p.generation + 1) AS RotatedAt,
               g.revoked_at AS GrantRevokedAt, u.active AS UserActive
        FROM token_pairs p
        JOIN grants g ON g.id = p.grant_id
        JOIN users u ON u.id = g.user_id
        WHERE p.refresh_hash = @refreshHash
        """;

    public async Task<RefreshTokenState?> FindRefreshAsync(byte[] refreshHash, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RefreshRow>(new CommandDefinition(FindRefreshSql, new { refreshHash }, cancellationToken: cancellationToken));
        return row?.ToState();
    }

    // Concurrent repeats serialise on the grant's row lock. The live pair is read by a second statement,
    // after the lock, so that it sees the pair a repeat that went first committed.
    private const string LockGrantSql = "SELECT generation FROM grants WHERE id = @GrantId AND revoked_at IS NULL FOR UPDATE";
    private const string LiveRotatedFromSql = "SELECT rotated_from FROM token_pairs WHERE grant_id = @GrantId AND generation = @generation";
    private const string AdvanceSql = "UPDATE grants SET generation = @generation, last_used_at = @CreatedAt WHERE id = @GrantId";

    public async Task<bool> ReplaceSuccessorAsync(int rotatedGeneration, NewTokenPair next, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var live = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(LockGrantSql, new { next.GrantId }, tx, cancellationToken: cancellationToken));
        // The live pair must have come from the presented refresh token: if it was rotated in turn, this is reuse, not a repeat.
        if (live is not { } generation ||
            await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(LiveRotatedFromSql, new { next.GrantId, generation }, tx, cancellationToken: cancellationToken)) != rotatedGeneration)
        {
            return false;
        }
        await connection.ExecuteAsync(new CommandDefinition(AdvanceSql, new { next.GrantId, generation = generation + 1, next.CreatedAt }, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(TokenPairSql.Insert, TokenPairSql.Row(next, generation + 1, rotatedGeneration), tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    private const string FindSql = """
        SELECT (p.refresh_hash = @tokenHash) AS IsRefresh, p.grant_id AS GrantId, c.id AS ClientPk, c.client_id AS ClientId,
               u.id AS UserId, u.username AS Username, u.active AS UserActive,
               CASE WHEN p.refresh_hash = @tokenHash THEN g.scope ELSE p.scope END AS Scope,
               p.created_at AS IssuedAt,
               CASE WHEN p.refresh_hash = @tokenHash THEN p.refresh_expires_at ELSE p.access_expires_at END AS ExpiresAt,
               (p.generation = g.generation AND g.revoked_at IS NULL AND u.active
                AND CASE WHEN p.refresh_hash = @tokenHash THEN p.refresh_expires_at ELSE p.access_expires_at END > @now) AS Live
        FROM token_pairs p
        JOIN grants g ON g.id = p.grant_id
        JOIN clients c ON c.id = g.client_pk
        JOIN users u ON u.id = g.user_id
        WHERE p.access_hash = @tokenHash OR p.refresh_hash = @tokenHash
        """;

    public async Task<StoredToken?> FindAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<StoredRow>(new CommandDefinition(FindSql, new { tokenHash, now }, cancellationToken: cancellationToken));
        return row?.ToToken();
    }

    private const string ListLiveGrantsSql = """
        SELECT g.id AS GrantId, g.user_id AS UserId, c.name AS ClientName, c.client_id AS ClientId, g.scope AS Scope,
               g.created_at AS GrantedAt, g.last_used_at AS LastUsedAt
        FROM grants g JOIN clients c ON c.id = g.client_pk
        WHERE g.user_id = @userId AND g.revoked_at IS NULL
          AND EXISTS (SELECT 1 FROM token_pairs p WHERE p.grant_id = g.id AND p.generation = g.generation
                      AND p.refresh_expires_at > @now)
        ORDER BY g.created_at DESC, g.id
        """;

    public async Task<IReadOnlyList<LiveGrant>> ListLiveGrantsAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<LiveGrantRow>(new CommandDefinition(ListLiveGrantsSql, new { userId, now }, cancellationToken: cancellationToken));
        return rows.Select(r => new LiveGrant(r.GrantId, r.UserId, r.ClientName, r.ClientId, r.Scope, r.GrantedAt, r.LastUsedAt)).ToList();
    }

    private const string FindGrantOwnerSql = "SELECT user_id FROM grants WHERE id = @grantId AND revoked_at IS NULL";

    public async Task<Guid?> FindGrantOwnerAsync(Guid grantId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(FindGrantOwnerSql, new { grantId }, cancellationToken: cancellationToken));
    }

    // The grant's revoked_at is what makes every pair of it dead (db/0002).
    private const string RevokeGrantSql = "UPDATE grants SET revoked_at = @now, revoked_reason = @reason WHERE id = @grantId AND revoked_at IS NULL";

    public async Task<bool> RevokeGrantAsync(Guid grantId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(RevokeGrantSql, new { grantId, reason, now }, cancellationToken: cancellationToken)) == 1;
    }

    private sealed class AccessRow
    {
        public Guid GrantId { get; init; }
        public Guid ClientPk { get; init; }
        public string ClientId { get; init; } = "";
        public Guid UserId { get; init; }
        public string Username { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string Email { get; init; } = "";
        public bool UserActive { get; init; }
        public bool UserIsAdmin { get; init; }
        public string Scope { get; init; } = "";
        public DateTimeOffset IssuedAt { get; init; }
        public DateTimeOffset ExpiresAt { get; init; }

        public AccessTokenInfo ToInfo() => new(GrantId, ClientPk, ClientId, UserId, Username, DisplayName, Email, UserActive, UserIsAdmin, Scope, IssuedAt, ExpiresAt);
    }

    private sealed class LiveGrantRow
    {
        public Guid GrantId { get; init; }
        public Guid UserId { get; init; }
        public string ClientName { get; init; } = "";
        public string ClientId { get; init; } = "";
        public string Scope { get; init; } = "";
        public DateTimeOffset GrantedAt { get; init; }
        public DateTimeOffset? LastUsedAt { get; init; }
    }

    private sealed class StoredRow
    {
        public bool IsRefresh { get; init; }
        public Guid GrantId { get; init; }
        public Guid ClientPk { get; init; }
        public string ClientId { get; init; } = "";
        public Guid UserId { get; init; }
        public string Username { get; init; } = "";
        public bool UserActive { get; init; }
        public string Scope { get; init; } = "";
        public DateTimeOffset IssuedAt { get; init; }
        public DateTimeOffset ExpiresAt { get; init; }
        public bool Live { get; init; }

        public StoredToken ToToken() => new(IsRefresh, GrantId, ClientPk, ClientId, UserId, Username, UserActive, Scope, IssuedAt, ExpiresAt, Live);
    }

    private sealed class RotatedRow
    {
        public Guid GrantId { get; init; }
        public string Scope { get; init; } = "";
    }

    private sealed class RefreshRow
    {
        public Guid GrantId { get; init; }
        public int Generation { get; init; }
        public Guid ClientPk { get; init; }
        public string Scope { get; init; } = "";
        public DateTimeOffset RefreshExpiresAt { get; init; }
        public DateTimeOffset? RotatedAt { get; init; }
        public DateTimeOffset? GrantRevokedAt { get; init; }
        public bool UserActive { get; init; }

        public RefreshTokenState ToState() => new(GrantId, Generation, ClientPk, Scope, RefreshExpiresAt, RotatedAt, GrantRevokedAt, UserActive);
    }
}
