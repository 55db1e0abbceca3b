using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;

namespace Crowd.OAuth.Api.Resources;

/// <summary>The bearer-protected REST API of Spec §5.</summary>
public static class ProtectedApiEndpoints
{
    public static IEndpointRouteBuilder MapProtectedApiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/rest/admin/1.0/server-info", ServerInfo)
            .AddEndpointFilter((c, n) => BearerAuthentication.RequireAsync(c, n, Scopes.SystemAdmin));
        app.MapGet("/rest/api/1.0/myself", Myself)
            .AddEndpointFilter((c, n) => BearerAuthentication.RequireAsync(c, n, Scopes.User));
        return app;
    }

    public sealed record ServerInfoResponse(string Version, string BuildNumber, string ServerTitle, string BaseUrl, DateTimeOffset ServerTime);

    public sealed record MyselfResponse(string Username, string DisplayName, string Email, bool Active, bool Admin);

    private static IResult ServerInfo(OAuth2ProviderOptions options, TimeProvider time)
    {
        var version = typeof(ProtectedApiEndpoints).Assembly.GetName().Version ?? new Version(1, 0);
        return NoStore(new ServerInfoResponse($"{version.Major}.{version.Minor}.{version.Build}", version.Revision.ToString(),
            "CrowdOAuth", options.Issuer, time.GetUtcNow()));
    }

    private static IResult Myself(HttpContext context)
    {
        var info = (AccessTokenInfo)context.Items[typeof(AccessTokenInfo)]!;
        return NoStore(new MyselfResponse(info.Username, info.DisplayName, info.Email, info.UserActive, info.UserIsAdmin));
    }

    private static IResult NoStore(object body) => Hosting.OAuthResults.NoStore(body);
}
