using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Crowd.OAuth.Tests.Operations;

/// <summary>Signing key rotation by the operators' command, seen by two server processes without a restart (Spec §8).</summary>
[Category("Process")]
[NonParallelizable]
public sealed class KeyRotationTests
{
    private static string Kid(string token) =>
        JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;

    private static async Task<ShellResult> CliAsync(LocalCluster cluster, params string[] args) =>
        await Shell.RunAsync("dotnet", [Repo.ServerDll, .. args], new Dictionary<string, string?>
        {
            ["CROWDOAUTH_ConnectionStrings__CrowdOAuth"] = cluster.ConnectionString,
            ["CROWDOAUTH_OAuth2Provider__BaseUrl"] = "https://crowd.example.test",
        });

    private static async Task<JsonElement> ExchangeAsync(HttpClient http, SeededClient client, string code)
    {
        var response = await http.PostAsync("/rest/oauth2/latest/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri,
            ["client_id"] = client.ClientId, ["client_secret"] = client.Secret!, ["code_verifier"] = OAuthTestClient.Verifier,
        }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpStatusCode> MyselfAsync(HttpClient http, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/rest/api/1.0/myself");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await http.SendAsync(request)).StatusCode;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(200);
        }
        Assert.Fail(what);
    }

    [Test]
    [Requirement("SPEC-8-signing-keys", "SPEC-1-token-kid")]
    public async Task Rotate_AddActivateRetire_EveryNodeFollowsWithoutRestart()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var db = NpgsqlDataSource.Create(cluster.ConnectionString);
        var env = ServerProcess.DefaultEnvironment(cluster.ConnectionString);
        env["CROWDOAUTH_OAuth2Provider__SigningKeyRefreshSeconds"] = "1";
        await using var nodeA = ServerProcess.Start(env);
        await using var nodeB = ServerProcess.Start(env);
        await Task.WhenAll(nodeA.WaitUntilLiveAsync(), nodeB.WaitUntilLiveAsync());
        using var a = nodeA.CreateClient();
        using var b = nodeB.CreateClient();
        var user = await Seed.UserAsync(db: db);
        var client = await Seed.ClientAsync(db: db);

        var before = await ExchangeAsync(a, client, await DirectIssuer.IssueCodeAsync(db, client, user));
        var oldToken = before.GetProperty("access_token").GetString()!;
        var oldKid = Kid(oldToken);
        Assert.That(await MyselfAsync(b, oldToken), Is.EqualTo(HttpStatusCode.OK));

        var added = await CliAsync(cluster, "key", "add", "--activate");
        Assert.That(added.ExitCode, Is.Zero, added.StdErr);
        var newKid = added.StdOut.Split(' ')[2].TrimEnd(',');

        string? newToken = null;
        await EventuallyAsync(async () =>
        {
            newToken = (await ExchangeAsync(b, client, await DirectIssuer.IssueCodeAsync(db, client, user))).GetProperty("access_token").GetString();
            return Kid(newToken!) == newKid;
        }, "node B did not start signing with the new key");
        Assert.That(await MyselfAsync(a, newToken!), Is.EqualTo(HttpStatusCode.OK), "node A verifies the new key");
        Assert.That(await MyselfAsync(a, oldToken), Is.EqualTo(HttpStatusCode.OK), "a still-listed key keeps verifying");

        var refused = await CliAsync(cluster, "key", "retire", newKid);
        Assert.That(refused.ExitCode, Is.Not.Zero, "the active key cannot be retired");

        var retired = await CliAsync(cluster, "key", "retire", oldKid);
        Assert.That(retired.ExitCode, Is.Zero, retired.StdErr);
        await EventuallyAsync(async () => await MyselfAsync(a, oldToken) == HttpStatusCode.Unauthorized
            && await MyselfAsync(b, oldToken) == HttpStatusCode.Unauthorized, "a token of a retired key still works");
        Assert.That(await MyselfAsync(a, newToken!), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await MyselfAsync(b, newToken!), Is.EqualTo(HttpStatusCode.OK));

        var list = await CliAsync(cluster, "key", "list");
        Assert.That(list.StdOut, Does.Contain(newKid).And.Not.Contain(oldKid + "\t"));
    }
}
