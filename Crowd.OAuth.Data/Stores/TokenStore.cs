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

    // Spec §5: live pair, unexpired, grant unrevoked, user active; the client exists by the join.
    private const string FindLiveAccessSql = """
        SELECT p.grant_id AS GrantId, c.id AS ClientPk, c.client_id AS ClientId, u.id AS UserId, u.username AS Username,
               u.display_name AS DisplayName, u.email AS Email, u.active AS UserActive, u.is_admin AS UserIsAdmin,
               p.scope AS Scope, p.created_at AS IssuedAt, p.access_expires_at AS ExpiresAt
        FROM token_pairs p
        JOIN grants g ON g.id = p.grant_id
        JOIN clients c ON c.id = g.client_pk
        JOIN users u ON u.id = g.user_id
        WHERE p.access_hash = @accessHash AND p.rotated_at IS NULL AND p.revoked_at IS NULL
          AND p.access_expires_at > @now AND g.revoked_at IS NULL AND u.active
        """;

    public async Task<AccessTokenInfo?> FindLiveAccessAsync(byte[] accessHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<AccessRow>(new CommandDefinition(FindLiveAccessSql, new { accessHash, now }, cancellationToken: cancellationToken));
        return row?.ToInfo();
    }

    // One statement: mark the presented pair rotated, insert its successor, touch the grant, audit.
    // The client row must still be the one the caller authenticated against (it may come from a
    // recent lookup): a reset secret or a deleted client stops the rotation here, on every node.
    // Concurrent callers serialise on the row lock; after the winner commits, the others' WHERE no
    // longer holds (rotated_at is set) and they get no row.
    private const string RotateSql = $"""
        WITH old AS (
            UPDATE token_pairs p SET rotated_at = @Now, replaced_by = @NextId
            FROM grants g, users u, clients c
            WHERE p.refresh_hash = @PresentedRefreshHash AND p.rotated_at IS NULL AND p.revoked_at IS NULL
              AND p.refresh_expires_at > @Now
              AND g.id = p.grant_id AND g.revoked_at IS NULL AND g.client_pk = @ClientPk
              AND c.id = g.client_pk AND c.client_type = @ClientType AND c.secret_hash IS NOT DISTINCT FROM @ClientSecretHash
              AND u.id = g.user_id AND u.active
              AND g.scope = ANY(@AcceptedCurrentScopes)
            RETURNING p.grant_id, g.scope
        ), next AS (
            INSERT INTO token_pairs (id, grant_id, access_hash, refresh_hash, scope, created_at, access_expires_at, refresh_expires_at)
            SELECT @NextId, old.grant_id, @AccessHash, @RefreshHash, coalesce(@NarrowedScope, old.scope), @Now, @AccessExpiresAt, @RefreshExpiresAt
            FROM old
            RETURNING grant_id, scope
        ), touched AS (
            UPDATE grants SET last_used_at = @Now WHERE id IN (SELECT grant_id FROM next)
        ), audited AS (
            INSERT INTO audit_events (occurred_at, actor, action, target)
            SELECT @Now, @Actor, '{AuditActions.TokenRefreshed}', grant_id::text FROM next
        )
        SELECT grant_id AS GrantId, scope AS Scope FROM next
        """;

    public async Task<Rotated?> RotateAsync(RotationRequest request, CancellationToken cancellationToken)
    {
        var next = request.Next;
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RotatedRow>(new CommandDefinition(RotateSql, new
        {
            request.PresentedRefreshHash,
            ClientPk = request.Client.Id,
            request.Client.ClientType,
            ClientSecretHash = request.Client.SecretHash,
            AcceptedCurrentScopes = request.AcceptedCurrentScopes.ToArray(),
            request.NarrowedScope,
            request.Now,
            NextId = next.Id,
            next.AccessHash,
            next.RefreshHash,
            next.AccessExpiresAt,
            next.RefreshExpiresAt,
            Actor = "client:" + request.Client.Id,
        }, cancellationToken: cancellationToken));
        return row is null ? null : new Rotated(row.GrantId, row.Scope);
    }

    private const string FindRefreshSql = """
        SELECT p.id AS PairId, p.grant_id AS GrantId, g.client_pk AS ClientPk, g.scope AS Scope,
               p.refresh_expires_at AS RefreshExpiresAt, p.rotated_at AS RotatedAt,
               p.revoked_at AS RevokedAt, g.revoked_at AS GrantRevokedAt, u.active AS UserActive
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

    // Concurrent repeats serialise on the rotated pair's row lock (and the grant's, against revocation).
    private const string LockRotatedSql = """
        SELECT p.replaced_by FROM token_pairs p JOIN grants g ON g.id = p.grant_id
        WHERE p.id = @rotatedPairId AND p.revoked_at IS NULL AND g.revoked_at IS NULL
        FOR UPDATE OF p, g
        """;
    private const string RevokeLiveSuccessorSql = "UPDATE token_pairs SET revoked_at = @now WHERE id = @successor AND rotated_at IS NULL AND revoked_at IS NULL";
    private const string PointToNextSql = "UPDATE token_pairs SET replaced_by = @next WHERE id = @rotatedPairId";

    public async Task<bool> ReplaceSuccessorAsync(Guid rotatedPairId, NewTokenPair next, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var successor = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(LockRotatedSql, new { rotatedPairId }, tx, cancellationToken: cancellationToken));
        // The successor must still be the live pair: if it was rotated in turn, this is reuse, not a repeat.
        if (successor is not { } live ||
            await connection.ExecuteAsync(new CommandDefinition(RevokeLiveSuccessorSql, new { successor = live, now }, tx, cancellationToken: cancellationToken)) != 1)
        {
            return false;
        }
        await connection.ExecuteAsync(new CommandDefinition(TokenPairSql.Insert, next, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(PointToNextSql, new { next = next.Id, rotatedPairId }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    private const string FindSql = """
        SELECT (p.refresh_hash = @tokenHash) AS IsRefresh, p.grant_id AS GrantId, c.id AS ClientPk, c.client_id AS ClientId,
               u.id AS UserId, u.username AS Username, u.active AS UserActive,
               CASE WHEN p.refresh_hash = @tokenHash THEN g.scope ELSE p.scope END AS Scope,
               p.created_at AS IssuedAt,
               CASE WHEN p.refresh_hash = @tokenHash THEN p.refresh_expires_at ELSE p.access_expires_at END AS ExpiresAt,
               (p.rotated_at IS NULL AND p.revoked_at IS NULL AND g.revoked_at IS NULL AND u.active
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
          AND EXISTS (SELECT 1 FROM token_pairs p WHERE p.grant_id = g.id AND p.rotated_at IS NULL
                      AND p.revoked_at IS NULL AND p.refresh_expires_at > @now)
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

    // Two statements in one transaction: the grant row is locked first, so the second statement's
    // fresh snapshot sees every pair committed while it waited.
    private const string RevokeGrantSql = "UPDATE grants SET revoked_at = @now, revoked_reason = @reason WHERE id = @grantId AND revoked_at IS NULL";
    private const string RevokeGrantPairsSql = "UPDATE token_pairs SET revoked_at = @now WHERE grant_id = @grantId AND revoked_at IS NULL";

    public async Task<bool> RevokeGrantAsync(Guid grantId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var revoked = await connection.ExecuteAsync(new CommandDefinition(RevokeGrantSql, new { grantId, reason, now }, tx, cancellationToken: cancellationToken)) == 1;
        await connection.ExecuteAsync(new CommandDefinition(RevokeGrantPairsSql, new { grantId, now }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return revoked;
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
        public Guid PairId { get; init; }
        public Guid GrantId { get; init; }
        public Guid ClientPk { get; init; }
        public string Scope { get; init; } = "";
        public DateTimeOffset RefreshExpiresAt { get; init; }
        public DateTimeOffset? RotatedAt { get; init; }
        public DateTimeOffset? RevokedAt { get; init; }
        public DateTimeOffset? GrantRevokedAt { get; init; }
        public bool UserActive { get; init; }

        public RefreshTokenState ToState() => new(PairId, GrantId, ClientPk, Scope, RefreshExpiresAt, RotatedAt, RevokedAt, GrantRevokedAt, UserActive);
    }
}
