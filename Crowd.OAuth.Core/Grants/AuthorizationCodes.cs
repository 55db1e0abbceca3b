namespace Crowd.OAuth.Core.Grants;

/// <summary>
/// A code about to be stored with the grant it opens. The code itself is never stored: only
/// <see cref="CodeHash"/>, its SHA-256.
/// </summary>
public sealed record NewAuthorizationCode(
    byte[] CodeHash,
    Guid GrantId,
    Guid ClientPk,
    Guid UserId,
    string RedirectUri,
    string Scope,
    string? CodeChallenge,
    string? CodeChallengeMethod,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);

/// <summary>A stored code as redemption sees it.</summary>
public sealed record StoredAuthorizationCode(
    Guid GrantId,
    Guid ClientPk,
    Guid UserId,
    string RedirectUri,
    string Scope,
    string? CodeChallenge,
    string? CodeChallengeMethod,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? ConsumedAt);

public interface IAuthorizationCodeStore
{
    /// <summary>Stores the grant and its code in one transaction.</summary>
    Task CreateAsync(NewAuthorizationCode code, CancellationToken cancellationToken);

    /// <summary>
    /// Consumes the code in one conditional statement (unconsumed, unexpired, this client, this
    /// redirect URI) inside a transaction that stays open until <see cref="ICodeRedemption.CompleteAsync"/>.
    /// Disposing without completing rolls back, leaving the code unconsumed. Of concurrent
    /// callers, exactly one sees the code; the others see null.
    /// </summary>
    Task<ICodeRedemption> RedeemAsync(byte[] codeHash, Guid clientPk, string redirectUri, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The code whatever its state (replay analysis), or null.</summary>
    Task<StoredAuthorizationCode?> FindAsync(byte[] codeHash, CancellationToken cancellationToken);
}

public interface ICodeRedemption : IAsyncDisposable
{
    /// <summary>The consumed code, or null when this caller did not win it.</summary>
    StoredAuthorizationCode? Code { get; }

    /// <summary>Stores the first token pair of the grant and commits.</summary>
    Task CompleteAsync(NewTokenPair pair, CancellationToken cancellationToken);
}
