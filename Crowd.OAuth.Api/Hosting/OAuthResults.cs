using System.Text.Json.Serialization;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>
/// Where protocol outcomes become HTTP, for the token, revocation and introspection endpoints
/// (RFC 6749 §5.1, §5.2) and for bearer-protected resources (RFC 6750 §3).
/// </summary>
public static class OAuthResults
{
    public const string Realm = "crowd-oauth";

    /// <summary>RFC 6749 §5.1: 200 JSON, never cached.</summary>
    public static IResult Tokens(TokenResponse response) => new NoStoreJson(new TokenResponseBody(response), StatusCodes.Status200OK, null);

    /// <summary>RFC 7009 §2.2: 200 with no content to speak of.</summary>
    public static IResult Empty() => new NoStoreJson(null, StatusCodes.Status200OK, null);

    /// <summary>RFC 7662 §2.2: only "active" for a token that is not live; the members otherwise.</summary>
    public static IResult Introspection(IntrospectionResult result)
    {
        if (!result.Active) return new NoStoreJson(new Dictionary<string, bool> { ["active"] = false }, StatusCodes.Status200OK, null);
        var body = new Dictionary<string, object?>
        {
            ["active"] = true, ["scope"] = result.Scope, ["client_id"] = result.ClientId, ["username"] = result.Username,
            ["sub"] = result.Subject, ["token_type"] = result.TokenType, ["exp"] = result.ExpiresAt, ["iat"] = result.IssuedAt,
        };
        return new NoStoreJson(body, StatusCodes.Status200OK, null);
    }

    /// <summary>Any JSON answer of the token-family endpoints, never cached.</summary>
    public static IResult NoStore(object body) => new NoStoreJson(body, StatusCodes.Status200OK, null);

    /// <summary>
    /// RFC 6749 §5.2: 400 with error and error_description; invalid_client is 401 with a Basic
    /// challenge (RFC 9110 §15.5.2: a 401 names a scheme the client can use).
    /// </summary>
    public static IResult Error(OAuthError error)
    {
        var body = new Dictionary<string, string> { [Parameters.Error] = error.Code, [Parameters.ErrorDescription] = error.Description };
        // RFC 6585 §4: a throttled client gets 429 and how long to wait (see OAuthError.TooManyAttempts)
        if (error.RetryAfter is { } wait) return new NoStoreJson(body, StatusCodes.Status429TooManyRequests, null, RetryAfterSeconds(wait));
        return error.Code switch
        {
            Errors.InvalidClient => new NoStoreJson(body, StatusCodes.Status401Unauthorized, $"Basic realm=\"{Realm}\", charset=\"UTF-8\""),
            Errors.TemporarilyUnavailable => new NoStoreJson(body, StatusCodes.Status503ServiceUnavailable, null, 5),
            Errors.ServerError => new NoStoreJson(body, StatusCodes.Status500InternalServerError, null),
            _ => new NoStoreJson(body, StatusCodes.Status400BadRequest, null),
        };
    }

    /// <summary>RFC 6750 §3: no credentials → a bare challenge; otherwise the error and, for scope, what is needed.</summary>
    public static IResult BearerChallenge(string? error, string? description = null, string? scope = null)
    {
        var challenge = $"Bearer realm=\"{Realm}\"";
        if (error is not null) challenge += $", error=\"{error}\"";
        if (description is not null) challenge += $", error_description=\"{description}\"";
        if (scope is not null) challenge += $", scope=\"{scope}\"";
        var status = error == Errors.InsufficientScope ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
        object? body = error is null ? null : new Dictionary<string, string> { [Parameters.Error] = error, [Parameters.ErrorDescription] = description ?? error };
        return new NoStoreJson(body, status, challenge);
    }

    private sealed record TokenResponseBody(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("token_type")] string TokenType,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("refresh_token")] string RefreshToken,
        [property: JsonPropertyName("scope")] string Scope,
        [property: JsonPropertyName("created_at")] long CreatedAt)
    {
        public TokenResponseBody(TokenResponse r) : this(r.AccessToken, r.TokenType, r.ExpiresIn, r.RefreshToken, r.Scope, r.CreatedAt) { }
    }

    /// <summary>RFC 9110 §10.2.3: Retry-After in whole seconds, at least 1.</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, 86_400);

    private sealed class NoStoreJson(object? body, int status, string? challenge, int? retryAfterSeconds = null) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            response.StatusCode = status;
            // RFC 6749 §5.1: responses with tokens or credentials are not cached
            response.Headers.CacheControl = "no-store";
            response.Headers.Pragma = "no-cache";
            if (challenge is not null) response.Headers.WWWAuthenticate = challenge;
            if (retryAfterSeconds is { } seconds) response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return body is null ? Task.CompletedTask : response.WriteAsJsonAsync(body, body.GetType());
        }
    }
}
