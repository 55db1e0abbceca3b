using Crowd.OAuth.Core.Directory;

namespace Crowd.OAuth.Api.Directory;

public static class DirectoryServices
{
    /// <summary>Users, clients and administrator authentication, shared by the REST API and the command line.</summary>
    public static IServiceCollection AddDirectory(this IServiceCollection services)
    {
        services.AddSingleton<ClientService>();
        services.AddSingleton<UserService>();
        // Tried in this order (Spec §7): HTTP Basic, a SYSTEM_ADMIN bearer token, the session.
        services.AddSingleton<IAdminCredentialSource, BasicCredentialSource>();
        services.AddSingleton<IAdminCredentialSource, BearerCredentialSource>();
        services.AddSingleton<IAdminCredentialSource, SessionCredentialSource>();
        services.AddSingleton<AdminAuthentication>();
        return services;
    }
}
