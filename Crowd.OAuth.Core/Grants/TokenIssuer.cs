using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Tokens;

namespace Crowd.OAuth.Core.Grants;

/// <summary>The successful token response (RFC 6749 §5.1, with Crowd's <c>created_at</c>).</summary>
public sealed record TokenResponse(
    string AccessToken,
    string TokenType,
    int ExpiresIn,
    string RefreshToken,
    string Scope,
    long CreatedAt);

/// <summary>A freshly minted pair: what goes to the database (digests) and what goes to the client.</summary>
public sealed record MintedPair(NewTokenPairDraft Draft, string AccessToken, string RefreshToken, DateTimeOffset CreatedAt)
{
    public NewTokenPair ForGrant(Guid grantId, string scope) =>
        new(grantId, Draft.AccessHash, Draft.RefreshHash, scope, CreatedAt, Draft.AccessExpiresAt, Draft.RefreshExpiresAt);

    public TokenResponse Response(string scope, int expiresIn) =>
        new(AccessToken, "bearer", expiresIn, RefreshToken, scope, CreatedAt.ToUnixTimeSeconds());
}

/// <summary>Mints access and refresh tokens (Crowd's HS256 format) with the configured lifetimes.</summary>
public sealed class TokenIssuer(TokenCodec codec, OAuth2ProviderOptions options, TimeProvider time)
{
    public int AccessLifetimeSeconds => options.AccessTokenExpirationSeconds;

    public async ValueTask<MintedPair> MintAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var access = await codec.IssueAsync(cancellationToken);
        var refresh = await codec.IssueAsync(cancellationToken);
        // Spec §1: the database keeps SHA-256 of each token's id, never the id
        var draft = new NewTokenPairDraft(
            Secrets.Digest(access.Id),
            Secrets.Digest(refresh.Id),
            now.AddSeconds(options.AccessTokenExpirationSeconds),
            // Spec §4: the refresh lifetime starts afresh at each rotation (sliding)
            now.AddSeconds(options.RefreshTokenExpirationSeconds));
        return new MintedPair(draft, access.Token, refresh.Token, now);
    }
}
