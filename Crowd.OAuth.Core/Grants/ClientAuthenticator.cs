using System.Security.Cryptography;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Throttling;

namespace Crowd.OAuth.Core.Grants;

/// <summary>What the client presented: <c>client_secret_basic</c>, <c>client_secret_post</c>, or only a client_id.</summary>
public sealed record ClientCredentials(string? ClientId, string? ClientSecret, bool ViaBasic);

/// <summary>
/// The client behind a request. <see cref="SecretVerified"/> is false for a public client and for a
/// confidential client that sent no secret; each grant decides whether that is enough.
/// </summary>
public sealed record AuthenticatedClient(Client Client, bool SecretVerified);

/// <summary>Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3, §3.2.1).</summary>
public sealed class ClientAuthenticator(IClientStore clients, FailedAuthenticationThrottle throttle)
{
    // Compared against when the client is unknown, so an unknown client costs what a wrong secret costs.
    private static readonly byte[] DummyDigest = SHA256.HashData(RandomNumberGenerator.GetBytes(32));

    public async Task<Outcome<AuthenticatedClient>> AuthenticateAsync(ClientCredentials credentials, CancellationToken cancellationToken)
    {
        // RFC 6749 §3.2.1: the token endpoint must know which client is calling
        if (credentials.ClientId is not { Length: > 0 and <= 128 } clientId)
        {
            return OAuthError.InvalidClient("client authentication failed");
        }
        // RFC 6749 §2.3.1 and §10.10, RFC 9700 §4.16: a client_id with too many recent failures, across nodes, waits, right secret or not
        if (throttle.RetryAfter(clientId) is { } wait) return OAuthError.TooManyAttempts(wait);
        var client = await clients.FindByClientIdAsync(clientId, cancellationToken);
        var secret = credentials.ClientSecret;

        if (client is null)
        {
            // Spec §4: an unknown client costs the same as a wrong secret
            Secrets.MatchesDigest(secret ?? "", DummyDigest);
            return await FailAsync(clientId, cancellationToken);
        }
        if (client.IsPublic)
        {
            // RFC 6749 §2.1 and §10.1: a public client has no credentials to present, and a secret sent for it is refused
            return secret is null
                ? Outcome<AuthenticatedClient>.Success(new AuthenticatedClient(client, SecretVerified: false))
                : await FailAsync(clientId, cancellationToken);
        }
        if (secret is null)
        {
            return Outcome<AuthenticatedClient>.Success(new AuthenticatedClient(client, SecretVerified: false));
        }
        // RFC 6749 §2.3.1 and Spec §4: secrets are compared in constant time, against their stored digest
        return Secrets.MatchesDigest(secret, client.SecretHash)
            ? Outcome<AuthenticatedClient>.Success(new AuthenticatedClient(client, SecretVerified: true))
            : await FailAsync(clientId, cancellationToken);
    }

    /// <summary>
    /// A failed authentication is counted across nodes; the failure that goes beyond the limit is
    /// answered like the attempts after it. Unknown client_ids are counted too, so that they cost
    /// what a wrong secret costs (Spec §4); their rows go with the window (purge).
    /// </summary>
    private async Task<Outcome<AuthenticatedClient>> FailAsync(string clientId, CancellationToken cancellationToken) =>
        await throttle.RecordFailureAsync(clientId, cancellationToken) is { } wait
            ? OAuthError.TooManyAttempts(wait)
            : OAuthError.InvalidClient("client authentication failed");
}
