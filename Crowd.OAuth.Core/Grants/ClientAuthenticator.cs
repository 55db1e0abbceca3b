using System.Collections.Concurrent;
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
/// <see cref="FromRecent"/> is true when the client row came from this node's recent lookups rather
/// than from the database just now: whoever accepts that must confirm the row in its own statement
/// (see <see cref="ClientAuthenticator.AuthenticateRecentAsync"/>).
/// </summary>
public sealed record AuthenticatedClient(Client Client, bool SecretVerified, bool FromRecent = false);

/// <summary>Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3, §3.2.1).</summary>
public sealed class ClientAuthenticator(IClientStore clients, FailedAuthenticationThrottle throttle, TimeProvider time)
{
    // Compared against when the client is unknown, so an unknown client costs what a wrong secret costs.
    private static readonly byte[] DummyDigest = SHA256.HashData(RandomNumberGenerator.GetBytes(32));

    /// <summary>How long a looked-up client may be reused by <see cref="AuthenticateRecentAsync"/>.</summary>
    public static readonly TimeSpan RecentLifetime = TimeSpan.FromSeconds(60);
    private const int RecentCapacity = 10_000;
    private readonly ConcurrentDictionary<string, RecentClient> _recent = new(StringComparer.Ordinal);

    private sealed record RecentClient(Client Client, DateTimeOffset FetchedAt);

    /// <summary>Authenticates against the client as the database has it now (one round trip).</summary>
    public Task<Outcome<AuthenticatedClient>> AuthenticateAsync(ClientCredentials credentials, CancellationToken cancellationToken) =>
        AuthenticateAsync(credentials, allowRecent: false, cancellationToken);

    /// <summary>
    /// Like <see cref="AuthenticateAsync(ClientCredentials, CancellationToken)"/>, but a client this node
    /// looked up in the last <see cref="RecentLifetime"/> is not read again when the presented secret
    /// matches it: the common refresh then costs no round trip of its own. The row may be stale (a
    /// secret reset or a deletion on another node), so the caller must make the statement that acts on
    /// the grant require the client row it was given (id, type and secret digest), and call
    /// <see cref="ConfirmAsync"/> before answering from a refusal of that statement. A secret that does
    /// not match the recent row is checked against the database as usual, so a new secret works at once.
    /// </summary>
    public Task<Outcome<AuthenticatedClient>> AuthenticateRecentAsync(ClientCredentials credentials, CancellationToken cancellationToken) =>
        AuthenticateAsync(credentials, allowRecent: true, cancellationToken);

    /// <summary>
    /// Reads the caller's client again and succeeds only when it still exists with the same type and
    /// secret digest (the presented secret matched that digest, so it is still right): for a client
    /// from <see cref="AuthenticateRecentAsync"/>, or one that may have changed since it was read.
    /// Otherwise the failure counts as a failed authentication, like a wrong secret or an unknown
    /// client, and the recent row is forgotten.
    /// </summary>
    public async Task<Outcome<AuthenticatedClient>> ConfirmAsync(AuthenticatedClient caller, CancellationToken cancellationToken)
    {
        var clientId = caller.Client.ClientId;
        var current = await clients.FindByClientIdAsync(clientId, cancellationToken);
        if (current is not null && current.Id == caller.Client.Id && current.ClientType == caller.Client.ClientType &&
            SameDigest(current.SecretHash, caller.Client.SecretHash))
        {
            Remember(current);
            return Outcome<AuthenticatedClient>.Success(caller with { Client = current, FromRecent = false });
        }
        _recent.TryRemove(clientId, out _);
        return await FailAsync(clientId, cancellationToken);
    }

    private async Task<Outcome<AuthenticatedClient>> AuthenticateAsync(ClientCredentials credentials, bool allowRecent, CancellationToken cancellationToken)
    {
        // RFC 6749 §3.2.1: the token endpoint must know which client is calling
        if (credentials.ClientId is not { Length: > 0 and <= 128 } clientId)
        {
            return OAuthError.InvalidClient("client authentication failed");
        }
        // RFC 6749 §2.3.1 and §10.10, RFC 9700 §4.16: a client_id with too many recent failures, across nodes, waits, right secret or not
        if (throttle.RetryAfter(clientId) is { } wait) return OAuthError.TooManyAttempts(wait);
        var secret = credentials.ClientSecret;

        if (allowRecent && Recent(clientId) is { } recent && Verify(recent, secret) is { } fromRecent)
        {
            return Outcome<AuthenticatedClient>.Success(fromRecent with { FromRecent = true });
        }

        var client = await clients.FindByClientIdAsync(clientId, cancellationToken);
        if (client is null)
        {
            _recent.TryRemove(clientId, out _);
            // Spec §4: an unknown client costs the same as a wrong secret
            Secrets.MatchesDigest(secret ?? "", DummyDigest);
            return await FailAsync(clientId, cancellationToken);
        }
        Remember(client);
        return Verify(client, secret) is { } authenticated
            ? Outcome<AuthenticatedClient>.Success(authenticated)
            : await FailAsync(clientId, cancellationToken);
    }

    /// <summary>The client as authenticated by <paramref name="secret"/>, or null when that is a failure.</summary>
    private static AuthenticatedClient? Verify(Client client, string? secret)
    {
        if (client.IsPublic)
        {
            // RFC 6749 §2.1 and §10.1: a public client has no credentials to present, and a secret sent for it is refused
            return secret is null ? new AuthenticatedClient(client, SecretVerified: false) : null;
        }
        if (secret is null) return new AuthenticatedClient(client, SecretVerified: false);
        // RFC 6749 §2.3.1 and Spec §4: secrets are compared in constant time, against their stored digest
        return Secrets.MatchesDigest(secret, client.SecretHash) ? new AuthenticatedClient(client, SecretVerified: true) : null;
    }

    private Client? Recent(string clientId) =>
        _recent.TryGetValue(clientId, out var recent) && time.GetUtcNow() - recent.FetchedAt < RecentLifetime ? recent.Client : null;

    private void Remember(Client client)
    {
        // Bounded: past the capacity the whole set is dropped (it refills from the clients in use).
        if (_recent.Count >= RecentCapacity) _recent.Clear();
        _recent[client.ClientId] = new RecentClient(client, time.GetUtcNow());
    }

    private static bool SameDigest(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

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
