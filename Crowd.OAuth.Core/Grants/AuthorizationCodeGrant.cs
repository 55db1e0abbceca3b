using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using Microsoft.Extensions.Logging;

namespace Crowd.OAuth.Core.Grants;

/// <summary>
/// The authorization code grant at the token endpoint: RFC 6749 §4.1.3 (request) and §4.1.4
/// (response), RFC 7636 §4.5–§4.6 (PKCE), RFC 9700 §2.1.1 (downgrade), and Spec §4.
/// </summary>
public sealed class AuthorizationCodeGrant(
    IAuthorizationCodeStore codes,
    ITokenStore tokens,
    TokenIssuer issuer,
    IAuditLog audit,
    OAuth2ProviderOptions options,
    TimeProvider time,
    ILogger<AuthorizationCodeGrant> logger)
{
    public async Task<Outcome<TokenResponse>> HandleAsync(TokenRequest request, AuthenticatedClient caller, CancellationToken cancellationToken)
    {
        var code = request.Get(Parameters.Code);
        var redirectUri = request.Get(Parameters.RedirectUri);
        var verifier = request.Get(Parameters.CodeVerifier);
        var client = caller.Client;

        // RFC 6749 §4.1.3: the code is required
        if (code is null) return OAuthError.InvalidRequest("code is required");
        // RFC 6749 §4.1.3: redirect_uri is required when the authorization request had one, and ours always do
        if (redirectUri is null) return OAuthError.InvalidRequest("redirect_uri is required");
        // RFC 7636 §4.1: a verifier is 43 to 128 unreserved characters
        if (verifier is not null && !Pkce.IsWellFormed(verifier)) return OAuthError.InvalidGrant("code_verifier is malformed");
        // Spec §4: a confidential client sends its secret, or relies on the code's PKCE challenge
        if (!client.IsPublic && !caller.SecretVerified && (verifier is null || options.RequireClientSecretWithPkce))
        {
            return OAuthError.InvalidClient("client authentication failed");
        }

        var now = time.GetUtcNow();
        var codeHash = Secrets.Digest(code);
        var minted = await issuer.MintAsync(cancellationToken);

        // RFC 6749 §4.1.2: single use, unexpired, bound to this client and this redirect_uri (one conditional UPDATE).
        // The redemption holds a pooled connection in a transaction: it is given back before any other database
        // work (refusal diagnosis, audit), so that a request never holds one connection while waiting for another.
        StoredAuthorizationCode? won;
        OAuthError? verifierRefusal;
        await using (var redemption = await codes.RedeemAsync(codeHash, client.Id, redirectUri, now, cancellationToken))
        {
            won = redemption.Code;
            verifierRefusal = won is null ? null : CheckVerifier(won, verifier, client);
            if (won is not null && verifierRefusal is null)
            {
                await redemption.CompleteAsync(minted.ForGrant(won.GrantId, won.Scope), cancellationToken);
            }
        }
        if (won is null) return await RefuseAsync(codeHash, caller, redirectUri, verifier, now, cancellationToken);
        if (verifierRefusal is not null) return verifierRefusal;

        await audit.WriteAsync(new AuditEvent(now, client.ClientId, AuditActions.TokenIssued, won.GrantId.ToString()), cancellationToken);
        return Outcome<TokenResponse>.Success(minted.Response(won.Scope, issuer.AccessLifetimeSeconds));
    }

    /// <summary>PKCE for the code this caller won: null when the verifier is right (or rightly absent).</summary>
    private static OAuthError? CheckVerifier(StoredAuthorizationCode won, string? verifier, Client client)
    {
        if (won.CodeChallenge is { } challenge)
        {
            // RFC 7636 §4.5: a code issued with a challenge needs the verifier
            if (verifier is null) return OAuthError.InvalidGrant("code_verifier is required");
            // RFC 7636 §4.6: the verifier, transformed by the method, must equal the stored challenge
            if (!Pkce.Matches(verifier, challenge, won.CodeChallengeMethod!)) return OAuthError.InvalidGrant("code_verifier does not match");
            return null;
        }
        // RFC 9700 §2.1.1: a verifier for a code that had no challenge is a PKCE downgrade
        if (verifier is not null) return OAuthError.InvalidGrant("code_verifier sent for a code issued without code_challenge");
        // Spec §1: a public client always uses PKCE
        if (client.IsPublic) return OAuthError.InvalidGrant("code was issued without code_challenge");
        return null;
    }

    /// <summary>
    /// The code was not this caller's to redeem. A valid replay (consumed, same client, same
    /// redirect_uri, right verifier) revokes the grant; anything else revokes nothing.
    /// </summary>
    private async Task<Outcome<TokenResponse>> RefuseAsync(byte[] codeHash, AuthenticatedClient caller, string redirectUri, string? verifier, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stored = await codes.FindAsync(codeHash, cancellationToken);
        var validReplay = stored is { ConsumedAt: not null }
            && stored.ClientPk == caller.Client.Id
            && stored.RedirectUri == redirectUri
            && (stored.CodeChallenge is null
                ? verifier is null && (caller.SecretVerified || caller.Client.IsPublic)
                : verifier is not null && Pkce.Matches(verifier, stored.CodeChallenge, stored.CodeChallengeMethod!));
        if (validReplay)
        {
            // RFC 6749 §4.1.2: a code used twice revokes the tokens issued on it
            await tokens.RevokeGrantAsync(stored!.GrantId, "code_replay", now, cancellationToken);
            await audit.WriteAsync(new AuditEvent(now, caller.Client.ClientId, AuditActions.CodeReplayDetected, stored.GrantId.ToString()), cancellationToken);
            logger.LogWarning("Authorization code replayed by client {ClientId}: grant {GrantId} revoked", caller.Client.ClientId, stored.GrantId);
            return OAuthError.InvalidGrant("authorization code already used");
        }
        return OAuthError.InvalidGrant("authorization code is invalid, expired, used, or was issued to another client or redirect_uri");
    }
}
