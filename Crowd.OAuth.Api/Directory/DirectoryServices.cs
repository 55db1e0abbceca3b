// The composition root's shared files (Hosting/Server.cs, Hosting/ServiceRegistration.cs) call
// AddDirectory and MapClientAdminEndpoints with one line each, without a using of their own.
global using Crowd.OAuth.Api.Directory;

using Crowd.OAuth.Core.Directory;

namespace Crowd.OAuth.Api.Directory;

public static class DirectoryServices
{
    /// <summary>Users, clients and administrator authentication, shared by the REST API and the command line.</summary>
    public static IServiceCollection AddDirectory(this IServiceCollection services)
    {
        services.AddSingleton<ClientService>();
        services.AddSingleton<UserService>();
        // Tried in this order; the bearer-token and session sources join here.
        services.AddSingleton<IAdminCredentialSource, BasicCredentialSource>();
        services.AddSingleton<AdminAuthentication>();
        return services;
    }
}
