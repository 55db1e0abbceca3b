using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Crowd.OAuth.Core.Throttling;

/// <summary>
/// Limits online guessing of a client's secret (RFC 6749 §10.10, RFC 9700 §4.16): after
/// <see cref="ThrottlingOptions.FailedClientAuthenticationLimit"/> failed authentications of one
/// client_id within one fixed window, counted across every node in <c>throttle_counters</c>, every
/// further attempt for that client_id, right or wrong, is refused until the window ends. Refusing
/// right secrets too is what makes the throttle work: otherwise a refusal would tell a wrong guess
/// from a right one.
/// <para>
/// Cost: a failure is one atomic upsert. <see cref="RetryAfter"/> never waits for the database: it
/// reads what this node learnt from its own failures and a set of blocked client_ids that is
/// refreshed in the background at most every <see cref="ThrottlingOptions.BlockedClientsRefreshSeconds"/>
/// while requests arrive. So a successful request of a healthy client adds no round trip, and a
/// node that has seen none of the failures learns of a block within that interval.
/// </para>
/// </summary>
public sealed class FailedAuthenticationThrottle(IThrottleStore store, ThrottlingOptions options, TimeProvider time, ILogger<FailedAuthenticationThrottle> logger)
{
    /// <summary>The counter key prefix, so that login throttling can share the table.</summary>
    public const string KeyPrefix = "client-auth:";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _blockedUntil = new(StringComparer.Ordinal);
    private volatile BlockedSet _shared = new(DateTimeOffset.MinValue, DateTimeOffset.MinValue, new HashSet<string>());
    private int _refreshing;

    private TimeSpan Window => options.FailedClientAuthenticationWindow;

    /// <summary>
    /// How long <paramref name="clientId"/> must wait before another attempt, or null when it may
    /// try now. Memory only; may start a background refresh of the blocked set.
    /// </summary>
    public TimeSpan? RetryAfter(string clientId)
    {
        var now = time.GetUtcNow();
        var key = KeyPrefix + clientId;
        if (_blockedUntil.TryGetValue(key, out var until))
        {
            if (until > now) return until - now;
            _blockedUntil.TryRemove(KeyValuePair.Create(key, until));
        }
        var shared = _shared;
        if (now - shared.FetchedAt >= TimeSpan.FromSeconds(options.BlockedClientsRefreshSeconds)) StartRefresh(now);
        if (shared.WindowStart == ThrottleWindow.StartOf(now, Window) && shared.Keys.Contains(key))
        {
            return ThrottleWindow.Remaining(now, Window);
        }
        return null;
    }

    /// <summary>
    /// Counts one failed authentication of a registered client. Returns how long to wait when this
    /// failure went beyond the limit (the caller answers 429 instead of 401), else null.
    /// </summary>
    public async Task<TimeSpan?> RecordFailureAsync(string clientId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = KeyPrefix + clientId;
        var hits = await store.HitAsync(key, Window, now, cancellationToken);
        if (hits < options.FailedClientAuthenticationLimit) return null;

        var until = ThrottleWindow.StartOf(now, Window) + Window;
        if (_blockedUntil.TryAdd(key, until))
        {
            // The client_id is public; the count tells an operator someone is guessing. An unknown
            // client_id is the caller's text: only a printable form of it is logged (no line injection).
            logger.LogWarning("Client {ClientId} blocked until {Until:O} after {Hits} failed authentications in the current window", Printable(clientId), until, hits);
            Prune(now);
        }
        else
        {
            _blockedUntil[key] = until;
        }
        return hits > options.FailedClientAuthenticationLimit ? until - now : null;
    }

    private void StartRefresh(DateTimeOffset now)
    {
        if (Interlocked.CompareExchange(ref _refreshing, 1, 0) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var keys = await store.ListAtLimitAsync(KeyPrefix, options.FailedClientAuthenticationLimit, Window, now, timeout.Token);
                _shared = new BlockedSet(now, ThrottleWindow.StartOf(now, Window), keys.ToHashSet(StringComparer.Ordinal));
            }
            catch (Exception e)
            {
                // Fail open: with the database away the request fails on its own; keep the last set, try again later.
                _shared = _shared with { FetchedAt = now };
                logger.LogDebug("Refreshing the blocked clients failed: {Type}", e.GetType().Name);
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }

    private void Prune(DateTimeOffset now)
    {
        if (_blockedUntil.Count < 1024) return;
        foreach (var (key, until) in _blockedUntil)
        {
            if (until <= now) _blockedUntil.TryRemove(KeyValuePair.Create(key, until));
        }
    }

    private static string Printable(string clientId) =>
        new(clientId.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '?').ToArray());

    private sealed record BlockedSet(DateTimeOffset FetchedAt, DateTimeOffset WindowStart, IReadOnlySet<string> Keys);
}
