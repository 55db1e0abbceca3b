namespace Crowd.OAuth.Core.Throttling;

/// <summary>
/// Fixed-window counters shared by every node (failed client authentication now, failed logins
/// later). A key's count lives in the window that <see cref="ThrottleWindow.StartOf"/> gives for
/// the moment of the hit; a new window starts from zero.
/// </summary>
public interface IThrottleStore
{
    /// <summary>Counts one hit for <paramref name="key"/> in the window containing <paramref name="now"/>, atomically; returns the window's count including it.</summary>
    Task<int> HitAsync(string key, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The hits of <paramref name="key"/> in the window containing <paramref name="now"/> (0 when none).</summary>
    Task<int> CountAsync(string key, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The keys starting with <paramref name="prefix"/> that have at least <paramref name="limit"/> hits in the window containing <paramref name="now"/>.</summary>
    Task<IReadOnlyCollection<string>> ListAtLimitAsync(string prefix, int limit, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes the counters of windows that started before <paramref name="before"/>; returns how many. For the purge job.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>Fixed windows aligned on the Unix epoch, so that every node computes the same window for one moment.</summary>
public static class ThrottleWindow
{
    public static DateTimeOffset StartOf(DateTimeOffset now, TimeSpan window)
    {
        var ticks = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(ticks - ticks % window.Ticks);
    }

    /// <summary>The time left in the window containing <paramref name="now"/>.</summary>
    public static TimeSpan Remaining(DateTimeOffset now, TimeSpan window) => StartOf(now, window) + window - now;
}
