using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Api.Directory;
using Crowd.OAuth.Api.Tokens;
using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Maintenance;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Throttling;
using Crowd.OAuth.Core.Tokens;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Data;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>Thrown at start when a setting is wrong; the message is one line for the operator.</summary>
public sealed class StartupException(string message) : Exception(message);

public static class ServiceRegistration
{
    /// <summary>
    /// Everything the server and the operators' command line share. Settings and the database are
    /// read when first resolved, so that tests' configuration is in place by then.
    /// </summary>
    public static IServiceCollection AddCrowdOAuthCore(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var (options, error) = Settings.Load(sp.GetRequiredService<IConfiguration>());
            return options ?? throw new StartupException(error!);
        });
        services.AddSingleton(sp =>
        {
            var (options, error) = Settings.LoadThrottling(sp.GetRequiredService<IConfiguration>());
            return options ?? throw new StartupException(error!);
        });
        services.AddSingleton(sp =>
        {
            var connectionString = Settings.ConnectionString(sp.GetRequiredService<IConfiguration>())
                ?? throw new StartupException("no database configured: set ConnectionStrings:CrowdOAuth (environment variable CROWDOAUTH_ConnectionStrings__CrowdOAuth)");
            try
            {
                return Database.CreateDataSource(connectionString);
            }
            catch (ArgumentException e)
            {
                throw new StartupException($"ConnectionStrings:CrowdOAuth is not a valid connection string: {e.Message}");
            }
        });

        // Stores (Data)
        services.AddSingleton<IUserStore, UserStore>();
        services.AddSingleton<IClientStore, ClientStore>();
        services.AddSingleton<ISigningKeyStore, SigningKeyStore>();
        services.AddSingleton<IAuditLog, AuditLog>();
        services.AddSingleton<IAuthorizationCodeStore, AuthorizationCodeStore>();
        services.AddSingleton<DataProtectionKeyStore>();
        services.AddSingleton<IThrottleStore, ThrottleStore>();

        // Protocol (Core)
        services.AddSingleton<IPasswordHasher, IdentityPasswordHasher>();
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<TokenCodec>();
        services.AddSingleton<SigningKeyAdministration>();
        services.AddSingleton<AuthorizationCodeIssuer>();
        services.AddSingleton<FailedAuthenticationThrottle>();
        services.AddSingleton<LoginThrottle>();
        services.AddTokens();
        services.AddSingleton<IPurgeStore, PurgeStore>();
        services.AddSingleton<Purger>();
        services.AddDirectory();
        return services;
    }

    /// <summary>The web server's own services on top of the core ones.</summary>
    public static IServiceCollection AddCrowdOAuthServer(this IServiceCollection services)
    {
        services.AddCrowdOAuthCore();
        services.AddSecretSafeRequestLogging();
        services.AddHostedService<PurgeJob>();
        services.AddCrowdFormLimits();
        services.AddCrowdRateLimiting();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddAuthorizationPages();

        // Data Protection keys in PostgreSQL under a fixed application name: any node reads any node's cookies.
        services.AddDataProtection().SetApplicationName("crowd-oauth");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<DataProtectionKeyStore>())));
        return services;
    }
}
