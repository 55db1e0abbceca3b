using System.Net;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Foundation;

/// <summary>The server process: refusals at start, and /health against a database that stops and starts.</summary>
[Category("Process")]
public sealed class StartupAndHealthTests
{
    [Test]
    [Requirement("SPEC-8-https-base-url", "RFC6749-3.1-tls")]
    public async Task Start_HttpBaseUrlInProduction_ExitsWithOneLineReason()
    {
        var env = ServerProcess.DefaultEnvironment(TestDatabase.ConnectionString);
        env["CROWDOAUTH_OAuth2Provider__BaseUrl"] = "http://crowd.example.test";
        await using var server = ServerProcess.Start(env);

        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(server.Output.Trim(), Does.StartWith("crowd-oauth: ").And.Contain("https"));
        Assert.That(server.Output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task Start_NoConnectionString_ExitsWithOneLineReason()
    {
        var env = ServerProcess.DefaultEnvironment("");
        await using var server = ServerProcess.Start(env);

        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(server.Output.Trim(), Does.StartWith("crowd-oauth: no database configured"));
    }

    [Test]
    public async Task Start_UnmigratedDatabase_RefusesNamingTheMigrateScript()
    {
        var (_, cs) = await TestDatabase.CreateEmptyDatabaseAsync();
        await using var server = ServerProcess.Start(ServerProcess.DefaultEnvironment(cs));

        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(server.Output, Does.Contain("schema is at version 0").And.Contain("scripts/migrate.sh"));
    }

    [Test]
    public async Task Health_DatabaseStopsAndStarts_ReadyFollowsWithoutRestartAndLiveStays200()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var server = ServerProcess.Start(ServerProcess.DefaultEnvironment(cluster.ConnectionString));
        await server.WaitUntilLiveAsync();
        using var http = server.CreateClient();

        Assert.That((await http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await cluster.StopServerAsync();
        Assert.That((await http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That((await http.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await cluster.StartServerAsync();
        await AssertEventuallyAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10));
        Assert.That(server.HasExited, Is.False);
    }

    [Test]
    public async Task Start_DatabaseDownAtStart_BecomesReadyWhenItComesUp()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await cluster.StopServerAsync();
        await using var server = ServerProcess.Start(ServerProcess.DefaultEnvironment(cluster.ConnectionString));
        await server.WaitUntilLiveAsync();
        using var http = server.CreateClient();
        Assert.That((await http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));

        await cluster.StartServerAsync();

        await AssertEventuallyAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10));
    }

    private static async Task AssertEventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(200);
        }
        Assert.Fail($"the condition did not hold within {within}");
    }
}
