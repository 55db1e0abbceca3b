using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>
/// Request logging without secrets. ASP.NET Core's own "Request starting …" lines print the query
/// string, which carries codes, secrets and verifiers in Crowd's query-string token requests, so that
/// category is silenced; Kestrel's bad-request lines (Debug) quote the offending request line or
/// header (an Authorization header, a query string), so Kestrel is held at Information. Both rules
/// are added after every other filter rule, for every provider a rule names, so that configuration
/// cannot turn them back on. This middleware logs method, path, status and time instead, inside a
/// scope carrying the request id (ASP.NET's own request scope goes with the silenced category).
/// </summary>
public static class RequestLogging
{
    private const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>Kestrel's categories that can quote request bytes at Debug or Trace.</summary>
    private static readonly string[] KestrelCategories =
    [
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Server.Kestrel.BadRequests",
        "Microsoft.AspNetCore.Server.Kestrel.Connections",
        "Microsoft.AspNetCore.Server.Kestrel.Http2",
        "Microsoft.AspNetCore.Server.Kestrel.Http3",
        "Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets",
    ];

    public static IServiceCollection AddSecretSafeRequestLogging(this IServiceCollection services)
    {
        services.PostConfigure<LoggerFilterOptions>(options =>
        {
            // A provider-specific rule beats a general one, so repeat ours for each provider configuration names.
            var providers = options.Rules.Select(r => r.ProviderName).Distinct().ToList();
            if (!providers.Contains(null)) providers.Add(null);
            foreach (var provider in providers)
            {
                options.Rules.Add(new LoggerFilterRule(provider, HostingDiagnostics, LogLevel.None, filter: null));
                foreach (var category in KestrelCategories)
                {
                    options.Rules.Add(new LoggerFilterRule(provider, category, LogLevel.Information, filter: null));
                }
            }
        });
        // Structured console lines that show the request-id scope; Logging:Console:FormatterName=json for JSON.
        // Naming the formatter matters: without a name the console logger rebuilds the simple
        // formatter's options from its own obsolete ones and drops these.
        services.Configure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
        services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            o.IncludeScopes = true;
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        return services;
    }

    public static IApplicationBuilder UseSecretSafeRequestLogging(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Crowd.OAuth.Requests");
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            // The request id (Kestrel's connection id and request number, or the trace id) and the path, never the query.
            using var scope = logger.BeginScope(new RequestScope(context.TraceIdentifier, context.Request.Path.Value ?? ""));
            try
            {
                await next(context);
            }
            finally
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    // Spec §9: the path only, never the query string, headers or body
                    logger.LogInformation("{Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms",
                        context.Request.Method, context.Request.Path.Value, context.Response.StatusCode,
                        Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        });
    }

    /// <summary>The scope's structured values, and "RequestId:… RequestPath:…" as text.</summary>
    private sealed class RequestScope(string requestId, string path) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("RequestId", requestId),
            1 => new("RequestPath", path),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public int Count => 2;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{requestId} RequestPath:{path}";
    }
}
