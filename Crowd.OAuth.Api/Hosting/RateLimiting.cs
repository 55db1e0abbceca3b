using System.Threading.RateLimiting;
using Crowd.OAuth.Api.Tokens;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Throttling;
using Microsoft.AspNetCore.RateLimiting;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>
/// Per-node flood guards (ASP.NET Core rate limiting), as named policies an endpoint opts into with
/// <c>RequireRateLimiting</c>. They are generous: they stop one caller from monopolising a node,
/// not guessing (that is <see cref="FailedAuthenticationThrottle"/>, across nodes). A refusal is
/// 429 with Retry-After (RFC 6585 §4) and, under /rest, a body in the RFC 6749 §5.2 shape.
/// </summary>
public static class RateLimitPolicies
{
    /// <summary>Partitioned by client: the Basic user, else the client_id parameter, else the remote address.</summary>
    public const string PerClient = "per-client";

    /// <summary>Partitioned by remote address (for the login page).</summary>
    public const string PerAddress = "per-address";

    public static IServiceCollection AddCrowdRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                // People get a page, clients the protocol's JSON.
                if (!rejected.HttpContext.Request.Path.StartsWithSegments("/rest"))
                {
                    return new ValueTask(Authorization.LoginEndpoints.TooManyAttempts(rejected.HttpContext, wait).ExecuteAsync(rejected.HttpContext));
                }
                return new ValueTask(OAuthResults.Error(OAuthError.TooManyAttempts(wait) with { Description = "too many requests, retry later" })
                    .ExecuteAsync(rejected.HttpContext));
            };
            limiter.AddPolicy(PerClient, http =>
            {
                var options = http.RequestServices.GetRequiredService<ThrottlingOptions>();
                return RateLimitPartition.GetFixedWindowLimiter(ClientPartitionKey(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.ClientRequestsPerSecond,
                    Window = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
            limiter.AddPolicy(PerAddress, http =>
            {
                var options = http.RequestServices.GetRequiredService<ThrottlingOptions>();
                return RateLimitPartition.GetFixedWindowLimiter(AddressKey(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.AddressRequestsPerSecond,
                    Window = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
        });
        return services;
    }

    /// <summary>
    /// Partitioners are synchronous, so the form body of a <see cref="PerClient"/> endpoint is read
    /// (asynchronously, within the form limits) before the rate limiter runs; the handler's own read
    /// then finds it parsed. A form that cannot be read is left for the handler to refuse.
    /// </summary>
    public static IApplicationBuilder UseCrowdRateLimiting(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            var policy = context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
            if (policy == PerClient && ProtocolRequest.IsUrlEncodedForm(context.Request.ContentType))
            {
                try
                {
                    await context.Request.ReadFormAsync(context.RequestAborted);
                }
                catch (Exception e) when (ProtocolRequest.IsUnreadableForm(e) || e is OperationCanceledException)
                {
                    // The handler reads again and answers invalid_request.
                }
            }
            await next(context);
        });
        return app.UseRateLimiter();
    }

    private static string ClientPartitionKey(HttpContext http)
    {
        var request = http.Request;
        if (request.Headers.Authorization is { Count: 1 } authorization
            && authorization[0] is { } header && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
            && ProtocolRequest.TryDecodeBasic(header[6..].Trim(), out var basicId, out _))
        {
            return Bounded(basicId) is { } basic ? "client:" + basic : AddressKey(http);
        }
        if (request.Query[Parameters.ClientId] is { Count: 1 } fromQuery && Bounded(fromQuery[0]) is { } queryId) return "client:" + queryId;
        // Read by UseCrowdRateLimiting; IFormFeature.Form never triggers a synchronous read.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IFormFeature>()?.Form is { } form
            && form[Parameters.ClientId] is { Count: 1 } fromForm && Bounded(fromForm[0]) is { } formId)
        {
            return "client:" + formId;
        }
        return AddressKey(http);
    }

    private static string? Bounded(string? clientId) => clientId is { Length: > 0 and <= 128 } ? clientId : null;

    private static string AddressKey(HttpContext http) => "address:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
