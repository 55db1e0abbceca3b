using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Tokens;

namespace Crowd.OAuth.Core.Grants;

/// <summary>A stored token found by its digest, whichever of the pair it is.</summary>
public sealed record StoredToken(
    bool IsRefresh,
    Guid GrantId,
    Guid ClientPk,
    string ClientId,
    Guid UserId,
    string Username,
    bool UserActive,
    string Scope,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    bool Live);

/// <summary>Token revocation (RFC 7009 §2, Spec §6).</summary>
public sealed class TokenRevocation(TokenCodec codec, ITokenStore tokens, IAuditLog audit, TimeProvider time)
{
    /// <summary>Success means 200: also for unknown, invalid and other clients' tokens (RFC 7009 §2.2).</summary>
    public async Task<Outcome<bool>> RevokeAsync(TokenRequest request, AuthenticatedClient caller, CancellationToken cancellationToken)
    {
        var token = request.Get(Parameters.Token);
        var hint = request.Get(Parameters.TokenTypeHint);
        // RFC 7009 §2.1: the token parameter is required
        if (token is null) return OAuthError.InvalidRequest("token is required");
        // RFC 7009 §2.2.1: a hint we do not know is unsupported_token_type
        if (hint is not null and not (TokenTypeHints.AccessToken or TokenTypeHints.RefreshToken))
        {
            return OAuthError.UnsupportedTokenType("token_type_hint must be access_token or refresh_token");
        }
        // RFC 7009 §2.1: a confidential client authenticates
        if (!caller.Client.IsPublic && !caller.SecretVerified) return OAuthError.InvalidClient("client authentication failed");

        // RFC 7009 §2.2: an invalid token is not an error
        if (await codec.ReadIdAsync(token, cancellationToken) is not { } id) return Outcome<bool>.Success(false);
        var stored = await tokens.FindAsync(Secrets.Digest(id), time.GetUtcNow(), cancellationToken);
        // RFC 7009 §2.1: only the client the token was issued to may revoke it; Spec §6: others get 200 and no change
        if (stored is null || stored.ClientPk != caller.Client.Id) return Outcome<bool>.Success(false);

        var now = time.GetUtcNow();
        // RFC 7009 §2.1 and Spec §6: revoking either token of a pair revokes the pair (and so the grant, which has no other live pair)
        var revoked = await tokens.RevokeGrantAsync(stored.GrantId, "revoked_by_client", now, cancellationToken);
        if (revoked)
        {
            await audit.WriteAsync(new AuditEvent(now, caller.Client.ClientId, AuditActions.TokenRevoked, stored.GrantId.ToString(),
                new Dictionary<string, string?> { ["kind"] = stored.IsRefresh ? TokenTypeHints.RefreshToken : TokenTypeHints.AccessToken }), cancellationToken);
        }
        return Outcome<bool>.Success(revoked);
    }
}

/// <summary>The introspection answer (RFC 7662 §2.2); only <see cref="Active"/> when not live.</summary>
public sealed record IntrospectionResult(
    bool Active,
    string? Scope = null,
    string? ClientId = null,
    string? Username = null,
    string? Subject = null,
    string? TokenType = null,
    long? ExpiresAt = null,
    long? IssuedAt = null)
{
    public static readonly IntrospectionResult Inactive = new(false);
}

/// <summary>Token introspection (RFC 7662 §2, Spec §6).</summary>
public sealed class TokenIntrospection(TokenCodec codec, ITokenStore tokens, TimeProvider time)
{
    public async Task<Outcome<IntrospectionResult>> IntrospectAsync(TokenRequest request, AuthenticatedClient caller, CancellationToken cancellationToken)
    {
        var token = request.Get(Parameters.Token);
        // RFC 7662 §2.1: the token parameter is required
        if (token is null) return OAuthError.InvalidRequest("token is required");
        // RFC 7662 §2.1: the caller must be authorized; here that means an authenticated confidential client
        if (caller.Client.IsPublic || !caller.SecretVerified) return OAuthError.InvalidClient("client authentication failed");

        // RFC 6749 §10.3: a forged or guessed token fails the signature or matches no stored row, so it is never active
        if (await codec.ReadIdAsync(token, cancellationToken) is not { } id) return Outcome<IntrospectionResult>.Success(IntrospectionResult.Inactive);
        var now = time.GetUtcNow();
        var stored = await tokens.FindAsync(Secrets.Digest(id), now, cancellationToken);
        // RFC 7662 §2.2 and §2.3: anything not live is just inactive, not an error; Spec §6: a client sees its own tokens unless registered to introspect
        if (stored is not { Live: true } || (stored.ClientPk != caller.Client.Id && !caller.Client.Introspect))
        {
            return Outcome<IntrospectionResult>.Success(IntrospectionResult.Inactive);
        }
        return Outcome<IntrospectionResult>.Success(new IntrospectionResult(
            true,
            stored.Scope,
            stored.ClientId,
            stored.Username,
            stored.UserId.ToString(),
            stored.IsRefresh ? TokenTypeHints.RefreshToken : "bearer",
            stored.ExpiresAt.ToUnixTimeSeconds(),
            stored.IssuedAt.ToUnixTimeSeconds()));
    }
}
