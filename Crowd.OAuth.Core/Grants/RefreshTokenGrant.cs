using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Tokens;
using Microsoft.Extensions.Logging;

namespace Crowd.OAuth.Core.Grants;

/// <summary>
/// The refresh token grant: RFC 6749 §6, rotation and reuse detection of RFC 9700 §4.14.2, and
/// Spec §4 (Crowd's rotation, narrowing scope, the grace window).
/// </summary>
public sealed class RefreshTokenGrant(
    ITokenStore tokens,
    ClientAuthenticator authenticator,
    TokenCodec codec,
    TokenIssuer issuer,
    IAuditLog audit,
    OAuth2ProviderOptions options,
    TimeProvider time,
    ILogger<RefreshTokenGrant> logger)
{
    // Every scope string a pair can hold, for "the current scope must include the requested one".
    private static readonly string[] AllScopeStrings = CanonicalScopeStrings();

    public async Task<Outcome<TokenResponse>> HandleAsync(TokenRequest request, AuthenticatedClient caller, CancellationToken cancellationToken)
    {
        var presented = request.Get(Parameters.RefreshToken);
        var scopeParameter = request.Get(Parameters.Scope);
        var client = caller.Client;

        // RFC 6749 §6: refresh_token is required
        if (presented is null) return OAuthError.InvalidRequest("refresh_token is required");
        // RFC 6749 §6: a confidential client authenticates to refresh
        if (!client.IsPublic && !caller.SecretVerified) return OAuthError.InvalidClient("client authentication failed");

        string? narrowed = null;
        if (scopeParameter is not null)
        {
            // RFC 6749 §3.3: every requested scope must be known
            if (Scopes.Parse(scopeParameter) is not { } requested) return OAuthError.InvalidScope("scope is unknown or malformed");
            narrowed = Scopes.Format(requested);
        }

        // Spec §5: HS256 only, a known key, Crowd's payload; garbage never reaches the database
        if (await codec.ReadIdAsync(presented, cancellationToken) is not { } id) return OAuthError.InvalidGrant("refresh token is invalid");
        var refreshHash = Secrets.Digest(id);
        var now = time.GetUtcNow();
        var minted = await issuer.MintAsync(cancellationToken);

        // RFC 6749 §6: a requested scope may only narrow what was granted (omitted means all of it), and the
        // new refresh token keeps the scope of the one presented: the pair's access token carries the narrowing
        var accepted = narrowed is null
            ? AllScopeStrings
            : AllScopeStrings.Where(current => Scopes.IsWithin(narrowed.Split(' '), current.Split(' '))).ToArray();

        // RFC 9700 §4.14.2 and §2.2.2: rotation; the presented pair stops working as the new one is issued, atomically
        var rotated = await tokens.RotateAsync(new RotationRequest(refreshHash, client, accepted, narrowed, minted.Draft, now), cancellationToken);
        if (rotated is not null) return Outcome<TokenResponse>.Success(minted.Response(rotated.Scope, issuer.AccessLifetimeSeconds));

        return await RefuseAsync(refreshHash, caller, minted, now, cancellationToken);
    }

    private async Task<Outcome<TokenResponse>> RefuseAsync(byte[] refreshHash, AuthenticatedClient caller, MintedPair minted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The rotation also requires the client row as authenticated, which may be a recent lookup's and stale:
        // a secret reset or a client deleted since then is invalid_client (Spec §4), on every node at once
        var confirmed = await authenticator.ConfirmAsync(caller, cancellationToken);
        if (!confirmed.IsSuccess) return confirmed.Error!;
        var state = await tokens.FindRefreshAsync(refreshHash, cancellationToken);
        // RFC 6749 §6 and §10.4: the refresh token must have been issued to this client
        if (state is null || state.ClientPk != caller.Client.Id) return OAuthError.InvalidGrant("refresh token is invalid");

        if (state.RotatedAt is { } rotatedAt)
        {
            var withinGrace = options.RefreshTokenReuseGraceSeconds > 0
                && now - rotatedAt <= TimeSpan.FromSeconds(options.RefreshTokenReuseGraceSeconds)
                && state is { GrantRevokedAt: null, UserActive: true };
            // Spec §4: within the grace window a repeat gets a fresh pair and the earlier rotation's pair is revoked
            if (withinGrace && await tokens.ReplaceSuccessorAsync(state.Generation, minted.ForGrant(state.GrantId, state.Scope), now, cancellationToken))
            {
                return Outcome<TokenResponse>.Success(minted.Response(state.Scope, issuer.AccessLifetimeSeconds));
            }
            // RFC 9700 §4.14.2: a rotated refresh token presented again revokes the whole grant
            if (await tokens.RevokeGrantAsync(state.GrantId, "refresh_reuse", now, cancellationToken))
            {
                await audit.WriteAsync(new AuditEvent(now, caller.Client.ClientId, AuditActions.RefreshReuseDetected, state.GrantId.ToString()), cancellationToken);
                logger.LogWarning("Refresh token reused by client {ClientId}: grant {GrantId} revoked", caller.Client.ClientId, state.GrantId);
            }
            return OAuthError.InvalidGrant("refresh token was already used");
        }
        // RFC 6749 §6 and Spec §4: unexpired, unrevoked, and the user still active
        if (state.GrantRevokedAt is not null) return OAuthError.InvalidGrant("refresh token was revoked");
        if (state.RefreshExpiresAt <= now) return OAuthError.InvalidGrant("refresh token expired");
        if (!state.UserActive) return OAuthError.InvalidGrant("the user is not active");
        // RFC 6749 §6: a requested scope beyond the granted one
        return OAuthError.InvalidScope("scope exceeds the scope granted");
    }

    private static string[] CanonicalScopeStrings()
    {
        var names = Scopes.Catalogue.Select(s => s.Name).ToArray();
        var result = new List<string>();
        for (var mask = 1; mask < 1 << names.Length; mask++)
        {
            result.Add(Scopes.Format(names.Where((_, i) => (mask & (1 << i)) != 0)));
        }
        return result.ToArray();
    }
}
