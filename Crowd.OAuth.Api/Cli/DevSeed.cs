using System.Text.Json;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Api.Cli;

/// <summary>
/// The development administrator and client the run command prints. Created once; their plain
/// credentials are kept only in the given file (mode 600, under the ignored .data/ folder).
/// </summary>
internal static class DevSeed
{
    public const string AdminUsername = "admin";
    public const string ClientName = "CrowdOAuth development client";
    public static readonly string[] Redirects = ["http://127.0.0.1/callback", "http://localhost:8081/callback"];

    private static readonly Actor Seeder = new("dev-seed");

    private sealed record Credentials(string? AdminPassword, string? ClientId, string? ClientSecret);

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output)
    {
        if (args.Length != 1)
        {
            await output.WriteLineAsync("usage: dev-seed <credentials-file>");
            return 64;
        }
        var path = args[0];
        var saved = File.Exists(path) ? JsonSerializer.Deserialize<Credentials>(await File.ReadAllTextAsync(path)) : null;
        saved ??= new Credentials(null, null, null);

        var users = services.GetRequiredService<UserService>();
        var clients = services.GetRequiredService<ClientService>();

        var adminPassword = saved.AdminPassword;
        if (await users.FindAsync(AdminUsername, CancellationToken.None) is null)
        {
            adminPassword = Secrets.RandomUrlSafe(12);
            var created = await users.CreateAsync(
                new CreateUserRequest(AdminUsername, adminPassword, IsAdmin: true, "Development Administrator", "admin@localhost"),
                Seeder, CancellationToken.None);
            if (created.Status != DirectoryStatus.Done) return CliOutput.Fail(created.Errors!.OneLine());
        }

        var clientId = saved.ClientId;
        var clientSecret = saved.ClientSecret;
        var existing = (await clients.ListAsync(CancellationToken.None)).FirstOrDefault(c => c.Name == ClientName);
        if (existing is null)
        {
            // Owned by the development administrator, as its userKey says.
            var created = await clients.CreateAsync(
                new CreateClientRequest(ClientName, Redirects, Scopes.SystemAdmin, ClientTypes.Confidential),
                new Actor(AdminUsername), CancellationToken.None);
            if (created.Status != DirectoryStatus.Done) return CliOutput.Fail(created.Errors!.OneLine());
            clientId = created.Value!.Client.ClientId;
            clientSecret = created.Value.Secret;
        }
        else
        {
            clientId = existing.ClientId;
        }

        var credentials = new Credentials(adminPassword, clientId, clientSecret);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(credentials));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        await output.WriteLineAsync($"  administrator:  {AdminUsername} / {adminPassword ?? "(created earlier elsewhere: password unknown here)"}");
        await output.WriteLineAsync($"  dev client:     {ClientName}");
        await output.WriteLineAsync($"    client_id     {clientId}");
        await output.WriteLineAsync($"    client_secret {clientSecret ?? "(created earlier elsewhere: reset it with the client reset-secret command)"}");
        await output.WriteLineAsync($"    redirect URIs {string.Join(", ", Redirects)} (any port on 127.0.0.1)");
        await output.WriteLineAsync($"    scope         {Scopes.SystemAdmin} (includes {Scopes.User})");
        return 0;
    }
}
