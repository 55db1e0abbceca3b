using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Api.Tokens;

/// <summary>The client-authenticated POST endpoints: token (Spec §4), revocation and introspection (Spec §6).</summary>
public static class TokenEndpoints
{
    public const string TokenPath = "/rest/oauth2/latest/token";
    public const string RevokePath = "/rest/oauth2/latest/revoke";
    public const string IntrospectPath = "/rest/oauth2/latest/introspect";

    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, HandleTokenAsync).DisableAntiforgery().RequireClientEndpointProtection();
        app.MapPost(RevokePath, HandleRevokeAsync).DisableAntiforgery().RequireClientEndpointProtection();
        app.MapPost(IntrospectPath, HandleIntrospectAsync).DisableAntiforgery().RequireClientEndpointProtection();
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
        // RFC 6749 §5.2, RFC 9700 §2.4 and Spec §4: grant_type missing is invalid_request; any other than authorization_code or refresh_token (password included) is unsupported_grant_type
        if (grantType is null) return OAuthResults.Error(OAuthError.InvalidRequest("grant_type is required"));
        if (grantType is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken))
        {
            return OAuthResults.Error(OAuthError.UnsupportedGrantType("only authorization_code and refresh_token are supported"));
        }

        // RFC 6749 §3.2.1: authenticate the client before looking at the grant. A refresh may use this node's
        // recent lookup of the client: its rotation statement requires the client row to be unchanged.
        var client = grantType == GrantTypes.RefreshToken
            ? await authenticator.AuthenticateRecentAsync(credentials, cancellationToken)
            : await authenticator.AuthenticateAsync(credentials, cancellationToken);
        if (!client.IsSuccess) return OAuthResults.Error(client.Error!);

        var outcome = grantType == GrantTypes.AuthorizationCode
            ? await codeGrant.HandleAsync(parameters, client.Value!, cancellationToken)
            : await refreshGrant.HandleAsync(parameters, client.Value!, cancellationToken);
        return outcome.IsSuccess ? OAuthResults.Tokens(outcome.Value!) : OAuthResults.Error(outcome.Error!);
    }

    /// <summary>RFC 7009 §2: 200 with an empty body whether or not anything was revoked.</summary>
    private static async Task<IResult> HandleRevokeAsync(
        HttpRequest request,
        ClientAuthenticator authenticator,
        TokenRevocation revocation,
        CancellationToken cancellationToken)
    {
        var authenticated = await ReadAndAuthenticateAsync(request, authenticator, cancellationToken);
        if (!authenticated.IsSuccess) return OAuthResults.Error(authenticated.Error!);
        var (parameters, client) = authenticated.Value;
        var outcome = await revocation.RevokeAsync(parameters, client, cancellationToken);
        return outcome.IsSuccess ? OAuthResults.Empty() : OAuthResults.Error(outcome.Error!);
    }

    /// <summary>RFC 7662 §2.</summary>
    private static async Task<IResult> HandleIntrospectAsync(
        HttpRequest request,
        ClientAuthenticator authenticator,
        TokenIntrospection introspection,
        CancellationToken cancellationToken)
    {
        var authenticated = await ReadAndAuthenticateAsync(request, authenticator, cancellationToken);
        if (!authenticated.IsSuccess) return OAuthResults.Error(authenticated.Error!);
        var (parameters, client) = authenticated.Value;
        var outcome = await introspection.IntrospectAsync(parameters, client, cancellationToken);
        return outcome.IsSuccess ? OAuthResults.Introspection(outcome.Value!) : OAuthResults.Error(outcome.Error!);
    }

    private static async Task<Outcome<(TokenRequest, AuthenticatedClient)>> ReadAndAuthenticateAsync(
        HttpRequest request, ClientAuthenticator authenticator, CancellationToken cancellationToken)
    {
        var parsed = await ProtocolRequest.ReadAsync(request, cancellationToken);
        if (!parsed.IsSuccess) return parsed.Error!;
        var client = await authenticator.AuthenticateAsync(parsed.Value!.Credentials, cancellationToken);
        if (!client.IsSuccess) return client.Error!;
        return Outcome<(TokenRequest, AuthenticatedClient)>.Success((parsed.Value.Parameters, client.Value!));
    }
}
