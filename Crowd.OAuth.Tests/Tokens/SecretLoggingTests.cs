using System.Net;
using Crowd.OAuth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crowd.OAuth.Tests.Tokens;

/// <summary>Spec §9: no token, code, secret, verifier or password is ever written to a log, at any level.</summary>
public sealed class SecretLoggingTests
{
    [Test]
    [Requirement("SPEC-9-no-secrets-logged")]
    public async Task FullFlow_AtTraceLevel_LogsNoSecretBearingValue()
    {
        var capture = new CapturingLoggerProvider();
        await using var harness = new TokenHarness(
            new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace", ["Logging:LogLevel:Microsoft"] = "Trace", ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace" },
            s => s.AddLogging(l => l.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));
        var api = harness.Client;
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync(admin: true);

        var code = await api.IssueCodeAsync(client, user);
        var first = await api.ExchangeAsync(client, code);
        var replay = await api.ExchangeAsync(client, code);                     // a warning is logged here
        var code2 = await api.IssueCodeAsync(client, user);
        var second = await api.ExchangeAsync(client, code2);
        var code3 = await api.IssueCodeAsync(client, user);
        var viaQuery = await api.SendAsync(new HttpRequestMessage(HttpMethod.Post,
            $"/rest/oauth2/latest/token?client_id={client.ClientId}&client_secret={client.Secret}&code={Uri.EscapeDataString(code3)}&grant_type=authorization_code&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}&code_verifier={OAuthTestClient.Verifier}"));
        Assert.That(viaQuery.Status, Is.EqualTo(HttpStatusCode.OK));
        var rotated = await api.RefreshAsync(client, second.RefreshToken);
        await api.RefreshAsync(client, second.RefreshToken);                    // reuse: another warning
        await api.GetWithBearerAsync("/rest/api/1.0/myself", rotated.AccessToken);
        await api.RefreshAsync(client with { Secret = new string('9', 64) }, rotated.RefreshToken);
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(replay.Status, Is.EqualTo(HttpStatusCode.BadRequest));

        var secrets = new[]
        {
            code, code2, code3, viaQuery.AccessToken, viaQuery.RefreshToken, OAuthTestClient.Verifier, client.Secret!, new string('9', 64), user.Password,
            first.AccessToken, first.RefreshToken, second.AccessToken, second.RefreshToken, rotated.AccessToken, rotated.RefreshToken,
        };
        Assert.That(capture.Lines, Is.Not.Empty);
        Assert.That(capture.Lines.Any(l => l.Contains("replayed")), "the replay warning was captured");
        foreach (var secret in secrets)
        {
            // The token's signature part alone must not appear either.
            var needle = secret.Contains('.') ? secret.Split('.')[2] : secret;
            Assert.That(capture.Lines.Where(l => l.Contains(needle)), Is.Empty, "a secret-bearing value reached the log");
        }
    }
}
