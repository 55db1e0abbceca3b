using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Api.Tokens;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;

namespace Crowd.OAuth.Api.Discovery;

/// <summary>Authorization server metadata (RFC 8414, Spec §6), built from BaseUrl only, never from the request.</summary>
public static class MetadataEndpoints
{
    public const string AuthorizePath = "/rest/oauth2/latest/authorize";

    public static IEndpointRouteBuilder MapMetadataEndpoints(this IEndpointRouteBuilder app)
    {
        // RFC 8414 §3: the well-known URI; Spec §2: also under Crowd's REST prefix
        app.MapGet("/.well-known/oauth-authorization-server", Metadata);
        app.MapGet("/rest/oauth2/latest/.well-known/oauth-authorization-server", Metadata);
        return app;
    }

    private static IResult Metadata(OAuth2ProviderOptions options)
    {
        // RFC 8414 §2, §3.3, RFC 9700 §4.13 and Spec §8: the issuer (the one every iss repeats) and every URL come from BaseUrl, not from Host or X-Forwarded-Host
        var issuer = options.Issuer;
        string[] clientAuth = ["client_secret_post", "client_secret_basic", "none"];
        var body = new Dictionary<string, object>
        {
            ["issuer"] = issuer,
            ["authorization_endpoint"] = issuer + AuthorizePath,
            ["token_endpoint"] = issuer + TokenEndpoints.TokenPath,
            ["revocation_endpoint"] = issuer + TokenEndpoints.RevokePath,
            ["introspection_endpoint"] = issuer + TokenEndpoints.IntrospectPath,
            ["scopes_supported"] = Scopes.Catalogue.Select(s => s.Name).ToArray(),
            ["response_types_supported"] = new[] { ResponseTypes.Code },
            ["response_modes_supported"] = new[] { "query" },
            ["grant_types_supported"] = new[] { GrantTypes.AuthorizationCode, GrantTypes.RefreshToken },
            ["code_challenge_methods_supported"] = options.AllowPlainPkce
                ? new[] { CodeChallengeMethods.S256, CodeChallengeMethods.Plain }
                : new[] { CodeChallengeMethods.S256 },
            ["token_endpoint_auth_methods_supported"] = clientAuth,
            ["revocation_endpoint_auth_methods_supported"] = clientAuth,
            // Spec §6: introspection is for authenticated confidential clients
            ["introspection_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
            // RFC 9207 §3: we send iss in every authorization response
            ["authorization_response_iss_parameter_supported"] = true,
        };
        // RFC 8414 §3.2: 200 with application/json; claims without values are simply absent
        return Results.Json(body);
    }
}
