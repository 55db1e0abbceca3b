using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Api.Cli;

/// <summary><c>client add|list|reset-secret|delete</c>: the operators' side of <see cref="ClientService"/>.</summary>
internal static class ClientCommands
{
    private const string Group = "client";
    private const string Name = "--name";
    private const string Redirect = "--redirect";
    private const string Scope = "--scope";
    private const string Public = "--public";
    private const string Introspect = "--introspect";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output)
    {
        var clients = services.GetRequiredService<ClientService>();
        try
        {
            return args switch
            {
                ["add", .. var rest] => await AddAsync(clients, rest, output),
                ["list", .. var rest] => await ListAsync(clients, rest, output),
                ["reset-secret", .. var rest] => await ResetSecretAsync(clients, rest, output),
                ["delete", .. var rest] => await DeleteAsync(clients, rest, output),
                _ => CliOutput.UsageError(Group, "expected add, list, reset-secret or delete"),
            };
        }
        catch (UsageException e)
        {
            return CliOutput.UsageError(Group, e.Message);
        }
    }

    /// <summary><c>client add --name X --redirect URI [--redirect URI…] [--scope USER|SYSTEM_ADMIN] [--public] [--introspect]</c>.</summary>
    private static async Task<int> AddAsync(ClientService clients, string[] args, TextWriter output)
    {
        var parsed = CliArguments.Parse(args, new HashSet<string> { Name, Redirect, Scope }, new HashSet<string> { Public, Introspect });
        parsed.ExpectNoPositionals();
        var request = new CreateClientRequest(
            parsed.One(Name),
            parsed.All(Redirect),
            parsed.One(Scope),
            parsed.Has(Public) ? ClientTypes.Public : ClientTypes.Confidential,
            parsed.Has(Introspect));

        var outcome = await clients.CreateAsync(request, CliOutput.Actor, CancellationToken.None);
        if (outcome.Status != DirectoryStatus.Done) return CliOutput.Fail(outcome.Errors!.OneLine());

        await WriteClientAsync(output, outcome.Value!.Client, outcome.Value.Secret);
        return 0;
    }

    /// <summary><c>client list</c>: one tab-separated line per client, never a secret.</summary>
    private static async Task<int> ListAsync(ClientService clients, string[] args, TextWriter output)
    {
        CliArguments.Parse(args, new HashSet<string>(), new HashSet<string>()).ExpectNoPositionals();
        await output.WriteLineAsync("id\tclientId\tclientType\tscope\tname\tredirects");
        foreach (var c in await clients.ListAsync(CancellationToken.None))
        {
            await output.WriteLineAsync($"{c.Id}\t{c.ClientId}\t{c.ClientType}\t{c.Scope}\t{c.Name}\t{string.Join(' ', c.RedirectUris)}");
        }
        return 0;
    }

    /// <summary><c>client reset-secret &lt;clientId&gt;</c>: prints the new secret once; the client's tokens stay valid.</summary>
    private static async Task<int> ResetSecretAsync(ClientService clients, string[] args, TextWriter output)
    {
        var clientId = CliArguments.Parse(args, new HashSet<string>(), new HashSet<string>()).Positional(0, "<clientId>", 1);
        var outcome = await clients.ResetSecretAsync(clientId, CliOutput.Actor, CancellationToken.None);
        return outcome.Status switch
        {
            DirectoryStatus.NotFound => CliOutput.Fail($"no client with clientId {clientId}"),
            DirectoryStatus.Invalid => CliOutput.Fail(outcome.Errors!.OneLine()),
            _ => await WriteClientAsync(output, outcome.Value!.Client, outcome.Value.Secret),
        };
    }

    /// <summary><c>client delete &lt;id|clientId&gt;</c>: the client and all its codes, grants and tokens.</summary>
    private static async Task<int> DeleteAsync(ClientService clients, string[] args, TextWriter output)
    {
        var key = CliArguments.Parse(args, new HashSet<string>(), new HashSet<string>()).Positional(0, "<id|clientId>", 1);
        var client = await clients.FindAsync(key, CancellationToken.None);
        var deleted = client is null ? null : await clients.DeleteAsync(client.Id, CliOutput.Actor, CancellationToken.None);
        if (deleted is null) return CliOutput.Fail($"no client {key}");

        await output.WriteLineAsync($"deleted client {deleted.ClientId} ({deleted.Name}) with its codes, grants and tokens");
        return 0;
    }

    private static async Task<int> WriteClientAsync(TextWriter output, Client client, string? secret)
    {
        await output.WriteLineAsync($"id            {client.Id}");
        await output.WriteLineAsync($"name          {client.Name}");
        await output.WriteLineAsync($"clientId      {client.ClientId}");
        if (secret is not null)
        {
            await output.WriteLineAsync($"clientSecret  {secret}");
            await Console.Error.WriteLineAsync("crowd-oauth: the client secret is shown only this once: keep it now");
        }
        await output.WriteLineAsync($"clientType    {client.ClientType}");
        await output.WriteLineAsync($"scope         {client.Scope}");
        await output.WriteLineAsync($"redirects     {string.Join(' ', client.RedirectUris)}");
        return 0;
    }
}
