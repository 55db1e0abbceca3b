using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Crowd.OAuth.Api.Hosting;

public static class HealthEndpoints
{
    /// <summary>/health/live: the process answers. /health/ready: and the database does, with the right schema.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}
