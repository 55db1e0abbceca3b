using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crowd.OAuth.Tests.Hardening;

/// <summary>Spec §9 over the failure paths of the hardening: throttled, rate-limited, malformed, database down.</summary>
[Category("Hardening")]
public sealed class HardeningSecretLoggingTests
{
    private static readonly Dictionary<string, string?> TraceEverything = new()
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:Capture:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
    };

    [Test]
    public async Task FailurePaths_AtTraceLevel_LogNoSecretBearingValueAndCarryTheRequestId()
    {
        var capture = new CapturingLoggerProvider();
        var settings = new Dictionary<string, string?>(TraceEverything)
        {
            ["OAuth2Provider:Throttling:FailedClientAuthenticationLimit"] = "2",
            ["OAuth2Provider:Throttling:FailedClientAuthenticationWindowSeconds"] = "3600",
            ["OAuth2Provider:Throttling:ClientRequestsPerSecond"] = "4",
        };
        await using var harness = new TokenHarness(settings, s => s.AddLogging(l => l.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));
        var api = harness.Client;
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var code = await api.IssueCodeAsync(client, user);
        var wrongSecret = Secrets.RandomHex(32);
        var wrong = client with { Secret = wrongSecret };

        // Throttled: wrong secrets in the body, the query and Basic, then the right one refused.
        var answers = new List<TokenAnswer>
        {
            await api.ExchangeAsync(wrong, code),
            await api.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/rest/oauth2/latest/token?grant_type=authorization_code&client_id={client.ClientId}&client_secret={wrongSecret}&code={Uri.EscapeDataString(code)}&code_verifier={OAuthTestClient.Verifier}&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}")),
            await api.PostFormAsync(new Dictionary<string, string> { [Parameters.GrantType] = GrantTypes.AuthorizationCode, [Parameters.Code] = code, [Parameters.RedirectUri] = client.RedirectUri },
                OAuthTestClient.Basic(client.ClientId, wrongSecret)),
            await api.ExchangeAsync(client, code),
        };
        Assert.That(answers.Select(a => (int)a.Status), Is.EqualTo(new[] { 401, 401, 429, 429 }));

        // Rate-limited: secrets in the query of requests refused before any handler.
        var flooder = Secrets.RandomHex(16);
        var floodSecret = Secrets.RandomHex(32);
        var limited = 0;
        for (var i = 0; i < 10; i++)
        {
            var answer = await api.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/rest/oauth2/latest/token?grant_type=refresh_token&client_id={flooder}&client_secret={floodSecret}&refresh_token={floodSecret}"));
            if (answer.Status == (HttpStatusCode)429) limited++;
        }
        Assert.That(limited, Is.GreaterThan(0));

        // Malformed: too many form fields, a too-long value, carrying a secret.
        var malformedSecret = Secrets.RandomHex(32);
        var many = Enumerable.Range(0, 70).Select(i => KeyValuePair.Create($"f{i}", malformedSecret)).ToList();
        Assert.That((await api.PostFormAsync(many)).Error, Is.EqualTo(Errors.InvalidRequest));
        var longValue = new[] { KeyValuePair.Create(Parameters.ClientSecret, malformedSecret + new string('x', 9000)) };
        Assert.That((await api.PostFormAsync(longValue)).Error, Is.EqualTo(Errors.InvalidRequest));

        // Database down: a server whose database does not answer.
        var downCapture = new CapturingLoggerProvider();
        var down = new Dictionary<string, string?>(TraceEverything)
        {
            ["ConnectionStrings:CrowdOAuth"] = $"Host=127.0.0.1;Port={LocalCluster.FreePort()};Username=postgres;Database=none;Timeout=2",
        };
        await using (var dead = new TokenHarness(down, s => s.AddLogging(l => l.AddProvider(downCapture).SetMinimumLevel(LogLevel.Trace))))
        {
            var downSecret = Secrets.RandomHex(32);
            var unavailable = await dead.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post,
                $"/rest/oauth2/latest/token?grant_type=authorization_code&client_id={client.ClientId}&client_secret={downSecret}&code={Uri.EscapeDataString(code)}&redirect_uri=x"));
            Assert.That((unavailable.Status, unavailable.Error), Is.EqualTo((HttpStatusCode.ServiceUnavailable, Errors.TemporarilyUnavailable)));
            var bearer = await dead.Client.GetWithBearerAsync("/rest/api/1.0/myself", "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJpZCI6IjAwIn0." + downSecret);
            Assert.That(bearer.StatusCode, Is.AnyOf(HttpStatusCode.ServiceUnavailable, HttpStatusCode.Unauthorized));
            Assert.That(downCapture.Lines.Any(l => l.Contains("Database unavailable")), "the outage was logged");
            Assert.That(downCapture.Lines.Where(l => l.Contains(downSecret) || l.Contains(code) || l.Contains(client.Secret!)), Is.Empty);
        }

        Assert.That(capture.Lines.Any(l => l.Contains("blocked until")), "the block was logged");
        Assert.That(capture.Lines.Where(l => l.Contains("Crowd.OAuth.Requests")), Has.All.Contains("RequestId"), "request lines carry the request id");
        foreach (var secret in new[] { code, wrongSecret, client.Secret!, floodSecret, malformedSecret, OAuthTestClient.Verifier, user.Password })
        {
            Assert.That(capture.Lines.Where(l => l.Contains(secret)), Is.Empty, "a secret-bearing value reached the log");
        }
    }
}
