using Crowd.OAuth.Core.Maintenance;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Data;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>Runs the purge every PruneIntervalSeconds (Spec §8). Safe on every node at once.</summary>
public sealed class PurgeJob(Purger purger, OAuth2ProviderOptions options, TimeProvider time, ILogger<PurgeJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.PruneIntervalSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await purger.PurgeAsync(stoppingToken);
            }
            catch (Exception e) when (Database.IsUnavailable(e))
            {
                logger.LogWarning("Purge skipped: the database does not answer ({Type})", e.GetType().Name);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError("Purge failed: {Type}: {Message}", e.GetType().Name, e.Message);
            }
        }
    }
}
