using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>
/// Request logging without secrets. ASP.NET Core's own "Request starting …" lines print the query
/// string, which carries codes, secrets and verifiers in Crowd's query-string token requests, so that
/// category is silenced (after every other filter rule, so configuration cannot turn it back on) and
/// this middleware logs method, path, status and time instead, inside the request-id scope.
/// </summary>
public static class RequestLogging
{
    private const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static IServiceCollection AddSecretSafeRequestLogging(this IServiceCollection services)
    {
        services.PostConfigure<LoggerFilterOptions>(options =>
            options.Rules.Add(new LoggerFilterRule(providerName: null, HostingDiagnostics, LogLevel.None, filter: null)));
        return services;
    }

    public static IApplicationBuilder UseSecretSafeRequestLogging(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Crowd.OAuth.Requests");
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    // The path only: never the query string, headers or body.
                    logger.LogInformation("{Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms",
                        context.Request.Method, context.Request.Path.Value, context.Response.StatusCode,
                        Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        });
    }
}
