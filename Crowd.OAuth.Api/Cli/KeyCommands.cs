using System.Globalization;
using Crowd.OAuth.Core.Settings;
using Crowd.OAuth.Core.Tokens;

namespace Crowd.OAuth.Api.Cli;

/// <summary><c>key list|add|activate|retire</c>: signing key rotation, for operators.</summary>
internal static class KeyCommands
{
    private const string Group = "key";
    private const string Activate = "--activate";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output)
    {
        if (services.GetRequiredService<OAuth2ProviderOptions>().SigningKeys.Count > 0)
        {
            return CliOutput.Fail("signing keys come from configuration (OAuth2Provider:SigningKeys) here: rotate them there");
        }
        var keys = services.GetRequiredService<SigningKeyAdministration>();
        var refresh = services.GetRequiredService<SigningKeyRing>().RefreshInterval;
        var actor = CliOutput.Actor.Name;
        try
        {
            switch (args)
            {
                case ["list", ..]:
                    await output.WriteLineAsync("kid\tactive\tcreatedAt");
                    foreach (var key in await keys.ListAsync(CancellationToken.None))
                    {
                        await output.WriteLineAsync($"{key.Kid}\t{(key.Active ? "yes" : "no")}\t{key.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}");
                    }
                    return 0;
                case ["add", .. var rest]:
                    var parsed = CliArguments.Parse(rest, new HashSet<string>(), new HashSet<string> { Activate });
                    parsed.ExpectNoPositionals();
                    var added = await keys.AddAsync(parsed.Has(Activate), actor, CancellationToken.None);
                    await output.WriteLineAsync($"added key {added.Kid}{(added.Active ? ", now signing" : "; activate it with: key activate " + added.Kid)}");
                    return 0;
                case ["activate", var kid]:
                    return Report(await keys.ActivateAsync(kid, actor, CancellationToken.None), kid, "now signs", refresh, output);
                case ["retire", var kid]:
                    return Report(await keys.RetireAsync(kid, actor, CancellationToken.None), kid, "retired: tokens it signed no longer verify", refresh, output);
                default:
                    return CliOutput.UsageError(Group, "expected list, add [--activate], activate <kid> or retire <kid>");
            }
        }
        catch (UsageException e)
        {
            return CliOutput.UsageError(Group, e.Message);
        }
    }

    private static int Report(KeyChange change, string kid, string done, TimeSpan refresh, TextWriter output)
    {
        switch (change)
        {
            case KeyChange.Done:
                output.WriteLine($"key {kid} {done} (every node within {refresh.TotalSeconds:0} s)");
                return 0;
            case KeyChange.NotFound:
                return CliOutput.Fail($"no usable key {kid}");
            default:
                return CliOutput.Fail($"key {kid} signs now: activate another key before retiring it");
        }
    }
}
