namespace Crowd.OAuth.Core.Grants;

/// <summary>
/// An access token and a refresh token issued together, by digest. The store numbers a grant's pairs
/// (generations 1, 2, ...); the grant's current generation is its live pair.
/// </summary>
public sealed record NewTokenPair(
    Guid GrantId,
    byte[] AccessHash,
    byte[] RefreshHash,
    string Scope,
    DateTimeOffset CreatedAt,
    DateTimeOffset AccessExpiresAt,
    DateTimeOffset RefreshExpiresAt);
