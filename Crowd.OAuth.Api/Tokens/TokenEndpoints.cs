using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Api.Tokens;

public static class TokenEndpoints
{
    public const string TokenPath = "/rest/oauth2/latest/token";

    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, HandleTokenAsync).DisableAntiforgery().RequireClientEndpointProtection();
        return app;
    }

    /// <summary>
    /// What every client-authenticated endpoint (token, revocation, introspection) takes: the per-node
    /// flood guard per client. Failed-authentication throttling across nodes needs nothing here: it
    /// lives in <see cref="ClientAuthenticator"/>, and OAuthResults.Error turns it into 429.
    /// </summary>
    public static RouteHandlerBuilder RequireClientEndpointProtection(this RouteHandlerBuilder endpoint) =>
        endpoint.RequireRateLimiting(RateLimitPolicies.PerClient);

    /// <summary>RFC 6749 §3.2 and §4.1.3, §6; Spec §4.</summary>
    private static async Task<IResult> HandleTokenAsync(
        HttpRequest request,
        ClientAuthenticator authenticator,
        AuthorizationCodeGrant codeGrant,
        RefreshTokenGrant refreshGrant,
        CancellationToken cancellationToken)
    {
        var parsed = await ProtocolRequest.ReadAsync(request, cancellationToken);
        if (!parsed.IsSuccess) return OAuthResults.Error(parsed.Error!);
        var (parameters, credentials) = parsed.Value!;

        var grantType = parameters.Get(Parameters.GrantType);
        // RFC 6749 §5.2: grant_type missing is invalid_request; an unknown one unsupported_grant_type
        if (grantType is null) return OAuthResults.Error(OAuthError.InvalidRequest("grant_type is required"));
        if (grantType is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken))
        {
            return OAuthResults.Error(OAuthError.UnsupportedGrantType("only authorization_code and refresh_token are supported"));
        }

        // RFC 6749 §3.2.1: authenticate the client before looking at the grant
        var client = await authenticator.AuthenticateAsync(credentials, cancellationToken);
        if (!client.IsSuccess) return OAuthResults.Error(client.Error!);

        var outcome = grantType == GrantTypes.AuthorizationCode
            ? await codeGrant.HandleAsync(parameters, client.Value!, cancellationToken)
            : await refreshGrant.HandleAsync(parameters, client.Value!, cancellationToken);
        return outcome.IsSuccess ? OAuthResults.Tokens(outcome.Value!) : OAuthResults.Error(outcome.Error!);
    }
}
