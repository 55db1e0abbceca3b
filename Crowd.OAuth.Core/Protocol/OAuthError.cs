namespace Crowd.OAuth.Core.Protocol;

/// <summary>
/// A protocol failure as a value. <see cref="Description"/> is public (it reaches the client), so it
/// is plain ASCII without quotes, backslashes or control characters (RFC 6749 §5.2).
/// </summary>
public sealed record OAuthError(string Code, string Description)
{
    /// <summary>Set on a throttling refusal: how long the client must wait (HTTP 429 with Retry-After).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static OAuthError InvalidRequest(string description) => new(Errors.InvalidRequest, description);
    public static OAuthError InvalidClient(string description) => new(Errors.InvalidClient, description);
    public static OAuthError InvalidGrant(string description) => new(Errors.InvalidGrant, description);
    public static OAuthError UnauthorizedClient(string description) => new(Errors.UnauthorizedClient, description);
    public static OAuthError UnsupportedGrantType(string description) => new(Errors.UnsupportedGrantType, description);
    public static OAuthError InvalidScope(string description) => new(Errors.InvalidScope, description);
    public static OAuthError AccessDenied(string description) => new(Errors.AccessDenied, description);
    public static OAuthError UnsupportedResponseType(string description) => new(Errors.UnsupportedResponseType, description);
    public static OAuthError UnsupportedTokenType(string description) => new(Errors.UnsupportedTokenType, description);
    public static OAuthError TemporarilyUnavailable(string description) => new(Errors.TemporarilyUnavailable, description);
    public static OAuthError ServerError(string description) => new(Errors.ServerError, description);

    /// <summary>
    /// Too many failed attempts. RFC 6749 has no code for throttling, so the answer is HTTP's: 429
    /// with Retry-After (RFC 6585 §4), and a body in the RFC 6749 §5.2 shape whose code is
    /// temporarily_unavailable (RFC 6749 §4.1.2.1), the RFC's word for "try again later". Not
    /// invalid_client: a client holding the right secret must not be told its secret is wrong.
    /// </summary>
    public static OAuthError TooManyAttempts(TimeSpan retryAfter) =>
        new(Errors.TemporarilyUnavailable, "too many failed attempts, retry later") { RetryAfter = retryAfter };
}

/// <summary>Either a value or an <see cref="OAuthError"/>.</summary>
public readonly struct Outcome<T>
{
    private Outcome(T? value, OAuthError? error) { Value = value; Error = error; }

    public T? Value { get; }
    public OAuthError? Error { get; }
    public bool IsSuccess => Error is null;

    public static Outcome<T> Success(T value) => new(value, null);
    public static implicit operator Outcome<T>(OAuthError error) => new(default, error);
}
