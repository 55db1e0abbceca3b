namespace Crowd.OAuth.Core.Throttling;

/// <summary>
/// Limits password guessing at the login page (RFC 6749 §10.10, RFC 9700 §4.16): failed logins are
/// counted per username (any letter case, known or not) and per remote address in fixed windows
/// shared by every node. Past either limit, every attempt, right password or not, waits for the
/// window to end: otherwise the refusal would tell a wrong guess from a right one.
/// </summary>
public sealed class LoginThrottle(IThrottleStore store, ThrottlingOptions options, TimeProvider time)
{
    public const string UserPrefix = "login-user:";
    public const string AddressPrefix = "login-address:";

    private TimeSpan Window => TimeSpan.FromSeconds(options.FailedLoginWindowSeconds);

    /// <summary>How long this username or address must wait, or null when it may try now.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string? username, string? address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var blocked = await store.CountAsync(UserKey(username), Window, now, cancellationToken) >= options.FailedLoginLimit
            || await store.CountAsync(AddressKey(address), Window, now, cancellationToken) >= options.FailedLoginPerAddressLimit;
        return blocked ? ThrottleWindow.Remaining(now, Window) : null;
    }

    public async Task RecordFailureAsync(string? username, string? address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await store.HitAsync(UserKey(username), Window, now, cancellationToken);
        await store.HitAsync(AddressKey(address), Window, now, cancellationToken);
    }

    // Usernames are unique case-insensitively; an overlong one is cut (it cannot exist anyway).
    private static string UserKey(string? username)
    {
        var name = (username ?? "").ToLowerInvariant();
        return UserPrefix + (name.Length > 255 ? name[..255] : name);
    }

    private static string AddressKey(string? address) => AddressPrefix + (address ?? "unknown");
}
