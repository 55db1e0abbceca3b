using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Core;

/// <summary>
/// Client authentication (Spec §4): an unknown client and a wrong secret are indistinguishable to the
/// caller. (That they cost the same, a digest compared in constant time against a dummy for an
/// unknown client, is the code's construction; timing is the benchmark's business, not a test's.)
/// </summary>
public sealed class ClientAuthenticatorTests : TokenHarnessFixture
{
    [Test]
    [Requirement("SPEC-4-constant-time")]
    public async Task Authenticate_UnknownClientAndWrongSecret_GiveTheSameAnswer()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var wrong = await Api.RefreshAsync(client with { Secret = new string('x', 64) }, tokens.RefreshToken);
        var unknown = await Api.RefreshAsync(client with { Client = client.Client with { ClientId = Secrets.RandomHex(16) }, Secret = new string('x', 64) }, tokens.RefreshToken);

        Assert.That((wrong.Status, wrong.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
        Assert.That((unknown.Status, unknown.Error), Is.EqualTo((wrong.Status, wrong.Error)));
        Assert.That(unknown.Body.GetProperty("error_description").GetString(), Is.EqualTo(wrong.Body.GetProperty("error_description").GetString()));
        Assert.That(unknown.Headers.WwwAuthenticate.ToString(), Is.EqualTo(wrong.Headers.WwwAuthenticate.ToString()));
    }
}
