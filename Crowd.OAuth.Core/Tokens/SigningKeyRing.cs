using Crowd.OAuth.Core.Settings;
using Microsoft.Extensions.Logging;

namespace Crowd.OAuth.Core.Tokens;

/// <summary>
/// The keys this node signs and verifies with. Configured keys win; otherwise the database's keys,
/// re-read every <see cref="RefreshInterval"/> (SigningKeyRefreshSeconds, 30 s by default) so
/// that a rotation reaches every node without a restart.
/// </summary>
public sealed class SigningKeyRing
{
    public TimeSpan RefreshInterval { get; }

    private readonly ISigningKeyStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<SigningKeyRing> _logger;
    private readonly IReadOnlyList<SigningKey>? _configured;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile Snapshot? _snapshot;

    public SigningKeyRing(ISigningKeyStore store, OAuth2ProviderOptions options, TimeProvider time, ILogger<SigningKeyRing> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        RefreshInterval = TimeSpan.FromSeconds(options.SigningKeyRefreshSeconds);
        if (options.SigningKeys.Count > 0)
        {
            _configured = options.SigningKeys.Select((k, i) =>
            {
                SigningKey.TryDecodeSecret(k.Secret, out var secret);
                return new SigningKey(k.Kid, secret, Active: i == 0, time.GetUtcNow());
            }).ToList();
        }
    }

    private sealed record Snapshot(SigningKey Active, IReadOnlyDictionary<string, SigningKey> ByKid, DateTimeOffset LoadedAt);

    /// <summary>The key that signs new tokens.</summary>
    public async ValueTask<SigningKey> GetActiveAsync(CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Active;

    /// <summary>The unretired key with this kid, or null.</summary>
    public async ValueTask<SigningKey?> FindAsync(string kid, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).ByKid.GetValueOrDefault(kid);

    /// <summary>Forgets the cached keys: the next use re-reads them (after an operator's rotation on this node).</summary>
    public void Invalidate() => _snapshot = null;

    private async ValueTask<Snapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var current = _snapshot;
        if (current is not null && _time.GetUtcNow() - current.LoadedAt < RefreshInterval) return current;

        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            current = _snapshot;
            if (current is not null && _time.GetUtcNow() - current.LoadedAt < RefreshInterval) return current;
            var keys = _configured ?? await LoadFromStoreAsync(cancellationToken);
            var active = keys.Single(k => k.Active);
            current = new Snapshot(active, keys.ToDictionary(k => k.Kid, StringComparer.Ordinal), _time.GetUtcNow());
            _snapshot = current;
            return current;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private async Task<IReadOnlyList<SigningKey>> LoadFromStoreAsync(CancellationToken cancellationToken)
    {
        var keys = await _store.GetUsableAsync(cancellationToken);
        if (keys.Any(k => k.Active)) return keys;
        _logger.LogInformation("No signing key in the database: generating the first one");
        await _store.EnsureOneActiveAsync(() => Generate(_time.GetUtcNow()), cancellationToken);
        return await _store.GetUsableAsync(cancellationToken);
    }

    /// <summary>A new key: 256 random bits and a random kid.</summary>
    // RFC 7518 §3.2 and Spec §8: a generated key has 256 random bits and a random kid
    public static SigningKey Generate(DateTimeOffset now) =>
        new("k" + Protocol.Secrets.RandomHex(8), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), Active: false, now);
}
