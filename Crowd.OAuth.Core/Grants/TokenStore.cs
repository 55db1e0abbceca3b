using Crowd.OAuth.Core.Directory;

namespace Crowd.OAuth.Core.Grants;

/// <summary>What a live access token stands for: one database row joined to its grant, client and user.</summary>
public sealed record AccessTokenInfo(
    Guid GrantId,
    Guid ClientPk,
    string ClientId,
    Guid UserId,
    string Username,
    string DisplayName,
    string Email,
    bool UserActive,
    bool UserIsAdmin,
    string Scope,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt);

/// <summary>
/// A refresh token's pair as the database has it, whatever its state (for diagnosing a failed
/// rotation). <see cref="Scope"/> is the refresh token's scope: the grant's. <see cref="RotatedAt"/>
/// is when the pair's refresh token was first rotated (its successor's issue time), null while it is
/// the grant's newest pair.
/// </summary>
public sealed record RefreshTokenState(
    Guid GrantId,
    int Generation,
    Guid ClientPk,
    string Scope,
    DateTimeOffset RefreshExpiresAt,
    DateTimeOffset? RotatedAt,
    DateTimeOffset? GrantRevokedAt,
    bool UserActive);

/// <summary>
/// A rotation to attempt: the presented refresh token's digest and the pair to replace it with.
/// <see cref="Client"/> is the client row the caller authenticated against; the rotation requires the
/// client to still be that row (same id, type and secret digest), which may have come from a recent lookup.
/// </summary>
public sealed record RotationRequest(
    byte[] PresentedRefreshHash,
    Client Client,
    IReadOnlyCollection<string> AcceptedCurrentScopes,
    string? NarrowedScope,
    NewTokenPairDraft Next,
    DateTimeOffset Now);

/// <summary>A pair before its grant and scope are known (they come from the row being rotated).</summary>
public sealed record NewTokenPairDraft(
    byte[] AccessHash,
    byte[] RefreshHash,
    DateTimeOffset AccessExpiresAt,
    DateTimeOffset RefreshExpiresAt);

/// <summary>The result of a rotation that won: the grant and the scope of the new pair.</summary>
public sealed record Rotated(Guid GrantId, string Scope);

/// <summary>A grant as its user sees it on the authorized applications page.</summary>
public sealed record LiveGrant(Guid GrantId, Guid UserId, string ClientName, string ClientId, string Scope, DateTimeOffset GrantedAt, DateTimeOffset? LastUsedAt);

/// <summary>Token pairs and grants, with verbs that follow the protocol's lifecycle.</summary>
public interface ITokenStore
{
    /// <summary>
    /// The access token's grant, client and user when the pair is live (its grant's current generation,
    /// unexpired), its grant unrevoked and its user active; null otherwise. One round trip.
    /// </summary>
    Task<AccessTokenInfo?> FindLiveAccessAsync(byte[] accessHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Rotates in one statement: moves the grant to the next generation and inserts that generation's
    /// pair (the presented pair is not written), only when the presented pair is live, unexpired, this client's (and the client row still as
    /// <see cref="RotationRequest.Client"/> has it), its grant unrevoked, its user active and the grant's scope (the refresh token's scope) one of
    /// <see cref="RotationRequest.AcceptedCurrentScopes"/>. The new pair's access scope is the
    /// narrowed scope, else the grant's; the refresh token keeps the grant's scope. Of
    /// concurrent callers with one token, exactly one gets a value; the others get null.
    /// </summary>
    Task<Rotated?> RotateAsync(RotationRequest request, CancellationToken cancellationToken);

    /// <summary>The presented refresh token's pair whatever its state, or null.</summary>
    Task<RefreshTokenState?> FindRefreshAsync(byte[] refreshHash, CancellationToken cancellationToken);

    /// <summary>
    /// Within the reuse grace window: replaces the grant's live pair, which must have come from the
    /// refresh token of generation <paramref name="rotatedGeneration"/> (by its rotation or by an earlier
    /// repeat), with <paramref name="next"/>, atomically; concurrent repeats take turns. False when the
    /// live pair came from elsewhere (it was rotated in turn: reuse) or the grant is revoked.
    /// </summary>
    Task<bool> ReplaceSuccessorAsync(int rotatedGeneration, NewTokenPair next, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The access or refresh token with this digest, whichever it is, with whether it is live now
    /// (the grant's current pair, unexpired, grant unrevoked, user active); null when unknown.
    /// </summary>
    Task<StoredToken?> FindAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The user's grants that still have a live pair (unrevoked, refresh token unexpired), newest first.</summary>
    Task<IReadOnlyList<LiveGrant>> ListLiveGrantsAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The grant's owner, or null when there is no such unrevoked grant.</summary>
    Task<Guid?> FindGrantOwnerAsync(Guid grantId, CancellationToken cancellationToken);

    /// <summary>Revokes the grant and every pair of it. False when it was already revoked or is unknown.</summary>
    Task<bool> RevokeGrantAsync(Guid grantId, string reason, DateTimeOffset now, CancellationToken cancellationToken);
}
