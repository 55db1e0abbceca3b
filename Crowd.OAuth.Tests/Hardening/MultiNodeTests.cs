using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Authorization;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Hardening;

/// <summary>Two server processes on one database, no sticky sessions (Spec §9), and login throttling across them.</summary>
[Category("Hardening")]
[NonParallelizable]
public sealed class MultiNodeTests
{
    private static async Task<JsonElement> TokenAsync(HttpClient node, Dictionary<string, string> form)
    {
        var response = await node.PostAsync("/rest/oauth2/latest/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpStatusCode> MyselfAsync(HttpClient node, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/rest/api/1.0/myself");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await node.SendAsync(request)).StatusCode;
    }

    private static async Task<HttpResponseMessage> LogInAsync(SharedCookieJar jar, HttpClient node, string username, string password)
    {
        var page = await (await jar.SendAsync(node, HttpMethod.Get, LoginEndpoints.LoginPath)).Content.ReadAsStringAsync();
        var form = new Dictionary<string, string>(PageClient.Forms(page).Single().Fields)
        {
            [LoginEndpoints.UsernameField] = username, [LoginEndpoints.PasswordField] = password,
        };
        return await jar.SendAsync(node, HttpMethod.Post, LoginEndpoints.LoginPath, form);
    }

    [Test]
    [Requirement("SPEC-9-stateless-nodes")]
    public async Task TwoNodes_LoginConsentExchangeRefreshAndRevoke_AcrossNodes()
    {
        var env = new Dictionary<string, string?>();
        await using var nodeA = await Hardening.StartServerAsync(TestDatabase.ConnectionString, env);
        await using var nodeB = await Hardening.StartServerAsync(TestDatabase.ConnectionString, env);
        using var a = nodeA.CreateClient();
        using var b = nodeB.CreateClient();
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var jar = new SharedCookieJar();

        // Log in on A; consent page and decision on B; code exchange on B.
        Assert.That((await LogInAsync(jar, a, user.Username, user.Password)).StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        var toConsent = await jar.SendAsync(b, HttpMethod.Get, Flow.AuthorizeUrl(client, (Parameters.State, "two-nodes")));
        var consentPage = await jar.SendAsync(b, HttpMethod.Get, toConsent.Headers.Location!.OriginalString);
        var consent = PageClient.Forms(await consentPage.Content.ReadAsStringAsync()).Single(f => f.Action == AuthorizationEndpoints.ConsentPath);
        var decided = await jar.SendAsync(b, HttpMethod.Post, AuthorizationEndpoints.ConsentPath,
            new Dictionary<string, string>(consent.Fields) { [AuthorizationEndpoints.DecisionField] = AuthorizationEndpoints.Allow });
        var code = Flow.Query(decided.Headers.Location!.OriginalString)[Parameters.Code];
        var pair = await TokenAsync(b, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri,
            ["client_id"] = client.ClientId, ["client_secret"] = client.Secret!, ["code_verifier"] = OAuthTestClient.Verifier,
        });

        // Refresh alternating between the nodes; each rotation is seen by the other at once.
        var nodes = new[] { a, b };
        for (var i = 0; i < 6; i++)
        {
            var previous = pair;
            pair = await TokenAsync(nodes[i % 2], new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token", ["refresh_token"] = previous.GetProperty("refresh_token").GetString()!,
                ["client_id"] = client.ClientId, ["client_secret"] = client.Secret!,
            });
            Assert.That(await MyselfAsync(nodes[(i + 1) % 2], previous.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(await MyselfAsync(nodes[(i + 1) % 2], pair.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.OK));
        }

        // Revocation on A is seen by B at once.
        var revoke = await a.PostAsync("/rest/oauth2/latest/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = pair.GetProperty("refresh_token").GetString()!, ["client_id"] = client.ClientId, ["client_secret"] = client.Secret!,
        }));
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await MyselfAsync(b, pair.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Requirement("RFC6749-2.3.1-throttle-guessing")]
    public async Task WrongPasswords_SpreadOverTwoNodes_ThrottleTheUsernameAndTheAddressEverywhere()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var env = new Dictionary<string, string?>
        {
            ["CROWDOAUTH_OAuth2Provider__Throttling__FailedLoginLimit"] = "4",
            ["CROWDOAUTH_OAuth2Provider__Throttling__FailedLoginPerAddressLimit"] = "9",
            ["CROWDOAUTH_OAuth2Provider__Throttling__FailedLoginWindowSeconds"] = "3600",
        };
        await using var nodeA = await Hardening.StartServerAsync(cluster.ConnectionString, env);
        await using var nodeB = await Hardening.StartServerAsync(cluster.ConnectionString, env);
        using var a = nodeA.CreateClient();
        using var b = nodeB.CreateClient();
        await using var db = Npgsql.NpgsqlDataSource.Create(cluster.ConnectionString);
        var victim = await Seed.UserAsync(db: db);
        var bystander = await Seed.UserAsync(db: db);

        // Four wrong passwords for the victim, alternating nodes (in any letter case of the name).
        for (var i = 0; i < 4; i++)
        {
            var failed = await LogInAsync(new SharedCookieJar(), i % 2 == 0 ? a : b, i % 2 == 0 ? victim.Username : victim.Username.ToUpperInvariant(), "wrong-" + i);
            Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        }

        // Now even the right password waits, on either node; the bystander still gets in.
        var blocked = await LogInAsync(new SharedCookieJar(), b, victim.Username, victim.Password);
        Assert.That(blocked.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(blocked.Headers.RetryAfter?.Delta?.TotalSeconds, Is.GreaterThan(0));
        Assert.That((await LogInAsync(new SharedCookieJar(), a, victim.Username, victim.Password)).StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That((await LogInAsync(new SharedCookieJar(), a, bystander.Username, bystander.Password)).StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));

        // Five more failures from this address on other names reach the address limit (9): everyone here waits.
        for (var i = 0; i < 5; i++) await LogInAsync(new SharedCookieJar(), i % 2 == 0 ? a : b, Seed.Unique("nobody"), "x");
        Assert.That((await LogInAsync(new SharedCookieJar(), b, bystander.Username, bystander.Password)).StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
    }
}
