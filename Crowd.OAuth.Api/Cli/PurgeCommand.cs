using Crowd.OAuth.Core.Maintenance;

namespace Crowd.OAuth.Api.Cli;

internal static class PurgeCommand
{
    /// <summary><c>purge</c>: what the background job does every PruneIntervalSeconds, now.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output)
    {
        if (args.Length > 0) return CliOutput.UsageError("purge", "takes no arguments");
        var report = await services.GetRequiredService<Purger>().PurgeAsync(CancellationToken.None);
        await output.WriteLineAsync($"purged {report.Codes} codes, {report.TokenPairs} token pairs, {report.Grants} grants, {report.ThrottleCounters} throttle counters");
        return 0;
    }
}
