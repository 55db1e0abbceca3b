using Crowd.OAuth.Core.Throttling;
using Microsoft.Extensions.Logging;

namespace Crowd.OAuth.Core.Maintenance;

/// <summary>Deletes rows nobody can use any more, in bounded batches that several nodes may run at once.</summary>
public interface IPurgeStore
{
    /// <summary>Codes expired for more than <paramref name="keepFor"/>; returns how many were deleted (at most <paramref name="batch"/>).</summary>
    Task<int> PurgeCodesAsync(DateTimeOffset now, TimeSpan keepFor, int batch, CancellationToken cancellationToken);

    /// <summary>
    /// Pairs whose refresh token has expired (rotated and revoked ones are kept until then: they are
    /// the evidence reuse detection needs).
    /// </summary>
    Task<int> PurgeTokenPairsAsync(DateTimeOffset now, int batch, CancellationToken cancellationToken);

    /// <summary>Grants revoked, or left with neither codes nor pairs, for more than <paramref name="keepFor"/>.</summary>
    Task<int> PurgeGrantsAsync(DateTimeOffset now, TimeSpan keepFor, int batch, CancellationToken cancellationToken);
}

public sealed record PurgeReport(int Codes, int TokenPairs, int Grants, int ThrottleCounters);

/// <summary>The purge of Spec §8 (PruneIntervalSeconds), run by a background job and by the operators' command.</summary>
public sealed class Purger(IPurgeStore store, IThrottleStore throttles, TimeProvider time, ILogger<Purger> logger)
{
    public const int BatchSize = 1000;

    /// <summary>How long spent codes and dead grants stay, so that replays are still recognised for a while.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    public async Task<PurgeReport> PurgeAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var codes = await DrainAsync(() => store.PurgeCodesAsync(now, Retention, BatchSize, cancellationToken), cancellationToken);
        var pairs = await DrainAsync(() => store.PurgeTokenPairsAsync(now, BatchSize, cancellationToken), cancellationToken);
        var grants = await DrainAsync(() => store.PurgeGrantsAsync(now, Retention, BatchSize, cancellationToken), cancellationToken);
        // Throttle windows last at most a day, so a counter older than that belongs to an ended window.
        var counters = await throttles.PurgeAsync(now - Retention, cancellationToken);
        var report = new PurgeReport(codes, pairs, grants, counters);
        if (codes + pairs + grants > 0)
        {
            logger.LogInformation("Purged {Codes} codes, {Pairs} token pairs and {Grants} grants", codes, pairs, grants);
        }
        return report;
    }

    private static async Task<int> DrainAsync(Func<Task<int>> batch, CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            deleted = await batch();
            total += deleted;
        }
        while (deleted == BatchSize);
        return total;
    }
}
