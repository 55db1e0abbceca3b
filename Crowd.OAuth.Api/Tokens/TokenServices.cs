using Crowd.OAuth.Api.Resources;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Data.Stores;

namespace Crowd.OAuth.Api.Tokens;

public static class TokenServices
{
    /// <summary>The token endpoint's grants, client authentication and bearer validation.</summary>
    public static IServiceCollection AddTokens(this IServiceCollection services)
    {
        services.AddSingleton<ITokenStore, TokenStore>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<ClientAuthenticator>();
        services.AddSingleton<AuthorizationCodeGrant>();
        services.AddSingleton<RefreshTokenGrant>();
        services.AddSingleton<BearerAuthentication>();
        services.AddSingleton<TokenRevocation>();
        services.AddSingleton<TokenIntrospection>();
        services.AddSingleton<GrantRevocation>();
        return services;
    }
}
