using System.Net;
using System.Text.RegularExpressions;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.DirectoryAdmin;

/// <summary>The operators' command line (spec §7, §9), run as the real program against the test database.</summary>
[Category("Process")]
public sealed partial class CommandLineTests
{
    private static Task<ShellResult> RunAsync(string? stdin, params string[] args) =>
        Shell.RunAsync("dotnet", [Repo.ServerDll, .. args], ServerProcess.DefaultEnvironment(TestDatabase.ConnectionString), stdin);

    private static string Field(string output, string name)
    {
        var match = Regex.Match(output, $@"^{name}\s+(\S+)\s*$", RegexOptions.Multiline);
        Assert.That(match.Success, Is.True, $"no {name} in: {output}");
        return match.Groups[1].Value;
    }

    [Test]
    [Requirement("SPEC-9-operator-cli", "SPEC-1-client-secret-hashed", "SPEC-7-admin-only")]
    public async Task UserAddAdminThenClientAdd_PrintedCredentialsWorkAgainstTheRestApi()
    {
        var username = Seed.Unique("operator");
        const string password = "an operator's password";
        var name = Seed.Unique("wiki");

        var userAdd = await RunAsync(password + "\n", "user", "add", username, "--admin", "--display-name", "Op Erator");
        var clientAdd = await RunAsync(null, "client", "add", "--name", name,
            "--redirect", "https://wiki.example.test/cb", "--redirect", "http://127.0.0.1/cb", "--scope", "SYSTEM_ADMIN");

        Assert.That(userAdd.ExitCode, Is.Zero, userAdd.StdErr);
        Assert.That(userAdd.StdOut + userAdd.StdErr, Does.Not.Contain(password));
        Assert.That(clientAdd.ExitCode, Is.Zero, clientAdd.StdErr);
        var clientId = Field(clientAdd.StdOut, "clientId");
        var secret = Field(clientAdd.StdOut, "clientSecret");
        Assert.That(clientId, Does.Match("^[0-9a-f]{32}$"));
        Assert.That(secret, Does.Match("^[0-9a-f]{64}$"));

        var stored = await AdminApi.StoredAsync(clientId);
        Assert.That(stored!.SecretHash, Is.EqualTo(Secrets.Digest(secret)));
        Assert.That(stored.RedirectUris, Is.EqualTo(new[] { "http://127.0.0.1/cb", "https://wiki.example.test/cb" }));
        Assert.That(stored.UserKey, Does.StartWith("cli:"));

        await using var factory = new CrowdOAuthFactory();
        using var http = factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic(username, password);
        var response = await http.GetAsync($"{AdminApi.Clients}/{stored.Id}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await AdminApi.JsonAsync(response)).GetProperty("clientId").GetString(), Is.EqualTo(clientId));
    }

    [Test]
    [Requirement("SPEC-9-operator-cli")]
    public async Task ClientListResetDelete_ExistingClient_ListsWithoutSecretResetsAndDeletes()
    {
        var seeded = await Seed.ClientAsync();

        var list = await RunAsync(null, "client", "list");
        var reset = await RunAsync(null, "client", "reset-secret", seeded.ClientId);
        var delete = await RunAsync(null, "client", "delete", seeded.ClientId);
        var deleteAgain = await RunAsync(null, "client", "delete", seeded.Client.Id.ToString());

        Assert.That(list.ExitCode, Is.Zero, list.StdErr);
        Assert.That(list.StdOut, Does.Contain(seeded.ClientId).And.Contain(seeded.Client.Name));
        Assert.That(list.StdOut, Does.Not.Contain(seeded.Secret!));
        Assert.That(reset.ExitCode, Is.Zero, reset.StdErr);
        var newSecret = Field(reset.StdOut, "clientSecret");
        Assert.That(newSecret, Is.Not.EqualTo(seeded.Secret));
        Assert.That(delete.ExitCode, Is.Zero, delete.StdErr);
        Assert.That(await AdminApi.StoredAsync(seeded.ClientId), Is.Null);
        Assert.That(deleteAgain.ExitCode, Is.Not.Zero);
    }

    [Test]
    [Requirement("SPEC-9-operator-cli", "SPEC-7-redirect-rules")]
    public async Task ClientAdd_HostileRedirect_PrintsOneLineAndExitsNonZeroStoringNothing()
    {
        var name = Seed.Unique("bad");

        var result = await RunAsync(null, "client", "add", "--name", name, "--redirect", "JaVaScRiPt:alert(1)");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.StdErr, Does.StartWith("crowd-oauth: ").And.Contain("redirects"));
        Assert.That(result.StdOut, Is.Empty);
        Assert.That(await AdminApi.NameExistsAsync(name), Is.False);
    }

    [Test]
    [Requirement("SPEC-1-user-active")]
    public async Task UserDeactivateThenActivate_Administrator_BasicAuthFollows()
    {
        var admin = await Seed.UserAsync(admin: true);
        await using var factory = new CrowdOAuthFactory();
        using var http = factory.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = AdminApi.Basic(admin.Username, admin.Password);

        var deactivate = await RunAsync(null, "user", "deactivate", admin.Username);
        var whileDeactivated = await http.GetAsync(AdminApi.Clients);
        var activate = await RunAsync(null, "user", "activate", admin.Username);
        var afterActivate = await http.GetAsync(AdminApi.Clients);

        Assert.That(deactivate.ExitCode, Is.Zero, deactivate.StdErr);
        Assert.That(whileDeactivated.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(activate.ExitCode, Is.Zero, activate.StdErr);
        Assert.That(afterActivate.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase(null, "user", "add", "someone")]
    [TestCase("pw-long-enough\n", "user", "add")]
    [TestCase(null, "user", "deactivate", "nobody-at-all-here")]
    [TestCase(null, "client", "frobnicate")]
    [TestCase(null, "client", "add", "--name")]
    [TestCase(null, "client", "add", "--name", "x", "--redirect", "https://a.example.test/cb", "--bogus")]
    [TestCase(null, "client", "reset-secret", "0123456789abcdef0123456789abcdef")]
    public async Task Command_BadArgumentsOrUnknownTarget_PrintsOneLineAndExitsNonZero(string? stdin, params string[] args)
    {
        var result = await RunAsync(stdin, args);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1), result.StdErr);
        Assert.That(result.StdErr, Does.Not.Contain("   at "));
    }
}
