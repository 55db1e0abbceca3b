using Crowd.OAuth.Api.Applications;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Api.Directory;
using Crowd.OAuth.Api.Discovery;
using Crowd.OAuth.Api.Resources;
using Crowd.OAuth.Api.Tokens;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Throttling;
using Crowd.OAuth.Data;
using Npgsql;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>Builds and runs the web server.</summary>
public static class Server
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCrowdConfiguration(args);
        builder.Services.AddCrowdOAuthServer();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ApplyCrowdLimits(context.Configuration);
        });

        var app = builder.Build();
        app.UseConfiguredProxies(app.Configuration);
        app.UseSecretSafeRequestLogging();
        app.UseCrowdErrorHandling();
        app.UseCrowdRateLimiting();
        app.MapHealthEndpoints();
        // Endpoint families, one Map…Endpoints each:
        app.MapTokenEndpoints();
        app.MapMetadataEndpoints();
        app.MapProtectedApiEndpoints();
        app.MapAuthorizationEndpoints();
        app.MapApplicationsEndpoints();
        app.MapClientAdminEndpoints();
        return app;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
            await CheckAtStartAsync(app.Services, app.Logger);
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"crowd-oauth: {e.Message}");
            return 2;
        }
        await app.RunAsync();
        return 0;
    }

    /// <summary>
    /// Resolves the settings (stopping on a bad one) and checks the schema. A database that is down
    /// is not fatal: /health/ready says so until it answers. An unmigrated one is.
    /// </summary>
    public static async Task CheckAtStartAsync(IServiceProvider services, ILogger logger)
    {
        var options = services.GetRequiredService<OAuth2ProviderOptions>();
        services.GetRequiredService<ThrottlingOptions>();
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int applied;
        try
        {
            applied = await SchemaVersion.GetAppliedAsync(dataSource, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException || Database.IsUnavailable(e))
        {
            logger.LogWarning("The database does not answer yet ({Reason}); starting anyway, /health/ready reports 503 until it does", e.GetType().Name);
            return;
        }
        if (SchemaVersion.Describe(applied) is { } problem) throw new StartupException(problem);
        logger.LogInformation("CrowdOAuth serving issuer {Issuer} on schema {Schema}", options.Issuer, applied);
    }
}
