using Crowd.OAuth.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>Ready means the database answers within two seconds and carries the schema this build needs.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            var applied = await SchemaVersion.GetAppliedAsync(dataSource, timeout.Token);
            return SchemaVersion.Describe(applied) is { } problem
                ? HealthCheckResult.Unhealthy(problem)
                : HealthCheckResult.Healthy($"schema {applied}");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException || Database.IsUnavailable(e))
        {
            return HealthCheckResult.Unhealthy("the database does not answer");
        }
    }
}
