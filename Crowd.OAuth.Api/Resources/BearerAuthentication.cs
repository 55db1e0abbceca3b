using System.Net.Http.Headers;
using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Api.Tokens;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Tokens;

namespace Crowd.OAuth.Api.Resources;

/// <summary>
/// Access tokens at the protected REST API (RFC 6750, Spec §5): the Authorization header only,
/// Bearer or (with TokenViaBasicAuthentication) as the Basic password; never the query string.
/// </summary>
public sealed class BearerAuthentication(TokenCodec codec, ITokenStore tokens, OAuth2ProviderOptions options, TimeProvider time)
{
    /// <summary>The token presented in the Authorization header, or null when there is none.</summary>
    public string? ReadPresentedToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || !AuthenticationHeaderValue.TryParse(header[0], out var value)) return null;
        // RFC 6750 §2.1: the Bearer scheme in the Authorization header
        if (value.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return value.Parameter;
        // Spec §5: Crowd also takes the token as the password of HTTP Basic
        if (options.TokenViaBasicAuthentication && value.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)
            && ProtocolRequest.TryDecodeBasic(value.Parameter, out _, out var password))
        {
            return password;
        }
        return null;
    }

    /// <summary>The token's grant, client and user when every check of Spec §5 passes; null otherwise.</summary>
    public async Task<AccessTokenInfo?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        // Spec §5, RFC 6749 §10.3 and RFC 8725 §3.1: signature with a known key, HS256 only; a forged token never reaches the database
        if (await codec.ReadIdAsync(token, cancellationToken) is not { } id) return null;
        // Spec §5: the row exists, unexpired, unrevoked, grant live, client present, user active (one query)
        return await tokens.FindLiveAccessAsync(Secrets.Digest(id), time.GetUtcNow(), cancellationToken);
    }

    /// <summary>
    /// An endpoint filter requiring a live token with <paramref name="scope"/>; the token's
    /// <see cref="AccessTokenInfo"/> is put in HttpContext.Items for the handler.
    /// </summary>
    public static async ValueTask<object?> RequireAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, string scope)
    {
        var http = context.HttpContext;
        var bearer = http.RequestServices.GetRequiredService<BearerAuthentication>();
        // RFC 6750 §3: a request without credentials gets a bare challenge
        if (bearer.ReadPresentedToken(http.Request) is not { Length: > 0 } token) return OAuthResults.BearerChallenge(null);
        // RFC 6750 §3.1: invalid_token for an expired, revoked, malformed or otherwise invalid token
        if (await bearer.ValidateAsync(token, http.RequestAborted) is not { } info)
        {
            return OAuthResults.BearerChallenge(Errors.InvalidToken, "the access token is invalid");
        }
        // RFC 6750 §3.1: insufficient_scope names the scope needed; Spec §5: SYSTEM_ADMIN needs an administrator
        if (!Scopes.Satisfies(info.Scope, scope) || scope == Scopes.SystemAdmin && !info.UserIsAdmin)
        {
            return OAuthResults.BearerChallenge(Errors.InsufficientScope, "the access token does not grant this", scope);
        }
        http.Items[typeof(AccessTokenInfo)] = info;
        return await next(context);
    }
}
