namespace Crowd.OAuth.Core.Grants;

/// <summary>An access token and a refresh token issued together, by digest.</summary>
public sealed record NewTokenPair(
    Guid Id,
    Guid GrantId,
    byte[] AccessHash,
    byte[] RefreshHash,
    string Scope,
    DateTimeOffset CreatedAt,
    DateTimeOffset AccessExpiresAt,
    DateTimeOffset RefreshExpiresAt);
