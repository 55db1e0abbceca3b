using System.Net;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Tests.DirectoryAdmin;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Tokens;

/// <summary>
/// Issue 8: a refresh or a bearer check costs at most one round trip to the database in the common
/// case, and a forged token none. A refresh gets there by reusing this node's recent lookup of the
/// client, which its rotation statement confirms: a secret reset or a client deleted on another node
/// still bites at once.
/// </summary>
public sealed class RoundTripTests : TokenHarnessFixture
{
    private DatabaseCommandCounter _counter = null!;

    [SetUp]
    public void StartCounting() => _counter = new DatabaseCommandCounter();

    [TearDown]
    public void StopCounting() => _counter.Dispose();

    private async Task<(TokenAnswer Answer, IReadOnlyList<string> Commands)> CountedAsync(HttpRequestMessage request)
    {
        var trace = _counter.Trace(request);
        var answer = await Api.SendAsync(request);
        return (answer, _counter.CommandsOf(trace));
    }

    [Test]
    public async Task Refresh_OfAClientThisNodeHasSeen_IsOneDatabaseCommand()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);

        var (refreshed, commands) = await CountedAsync(OAuthTestClient.RefreshRequest(client, tokens.RefreshToken));

        Assert.That(refreshed.Status, Is.EqualTo(HttpStatusCode.OK), refreshed.Body.ToString());
        Assert.That(commands, Has.Count.EqualTo(1), string.Join(" | ", commands));
        // and the rotation did happen: the new pair works, the old one does not
        Assert.That((await Api.RefreshAsync(client, refreshed.RefreshToken)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Api.RefreshAsync(client, tokens.RefreshToken)).Error, Is.EqualTo(Errors.InvalidGrant));
    }

    [Test]
    public async Task BearerCheck_IsOneDatabaseCommand_AndAForgedTokenNone()
    {
        var client = await Seed.ClientAsync();
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        var forged = tokens.AccessToken[..^4] + (tokens.AccessToken.EndsWith("AAAA") ? "BBBB" : "AAAA");

        var (valid, validCommands) = await CountedAsync(OAuthTestClient.BearerRequest("/rest/api/1.0/myself", tokens.AccessToken));
        var (refused, refusedCommands) = await CountedAsync(OAuthTestClient.BearerRequest("/rest/api/1.0/myself", forged));

        Assert.That(valid.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(validCommands, Has.Count.EqualTo(1), string.Join(" | ", validCommands));
        Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(refusedCommands, Is.Empty);
    }

    /// <summary>
    /// A client created through <paramref name="other"/>'s admin API (another node), refreshed once through
    /// this node, which therefore knows it; returns that admin, the client and the refreshed pair.
    /// </summary>
    private async Task<(HttpClient Admin, SeededClient Client, TokenAnswer Warm)> ClientThisNodeHasSeenAsync(TokenHarness other)
    {
        var (admin, _) = await AdminApi.AsNewAdminAsync(other.Factory);
        var created = await AdminApi.CreateClientAsync(admin);
        var client = new SeededClient((await AdminApi.StoredAsync(created.GetProperty("clientId").GetString()!))!,
            created.GetProperty("clientSecret").GetString());
        var user = await Seed.UserAsync();
        var tokens = await Api.ObtainTokensAsync(client, user);
        var warm = await Api.RefreshAsync(client, tokens.RefreshToken);
        Assert.That(warm.Status, Is.EqualTo(HttpStatusCode.OK));
        return (admin, client, warm);
    }

    [Test]
    [Requirement("SPEC-7-reset")]
    public async Task Refresh_AfterASecretResetOnAnotherNode_RefusesTheOldSecretAtOnceAndTakesTheNewOne()
    {
        await using var other = new TokenHarness();
        var (admin, client, warm) = await ClientThisNodeHasSeenAsync(other);

        var reset = await admin.PutAsync($"{AdminApi.Clients}/reset/{client.ClientId}", null);
        var newSecret = (await AdminApi.JsonAsync(reset)).GetProperty("clientSecret").GetString()!;
        var withOld = await Api.RefreshAsync(client, warm.RefreshToken);
        var withNew = await Api.RefreshAsync(client with { Secret = newSecret }, warm.RefreshToken);

        Assert.That((withOld.Status, withOld.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
        Assert.That(withNew.Status, Is.EqualTo(HttpStatusCode.OK), "the refused attempt must not have rotated the pair");
        Assert.That((await Api.RefreshAsync(client with { Secret = newSecret }, withNew.RefreshToken)).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Refresh_AfterTheClientIsDeletedOnAnotherNode_IsInvalidClientAtOnce()
    {
        await using var other = new TokenHarness();
        var (admin, client, warm) = await ClientThisNodeHasSeenAsync(other);

        Assert.That((await admin.DeleteAsync($"{AdminApi.Clients}/{client.Client.Id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent).Or.EqualTo(HttpStatusCode.OK));
        var after = await Api.RefreshAsync(client, warm.RefreshToken);

        Assert.That((after.Status, after.Error), Is.EqualTo((HttpStatusCode.Unauthorized, Errors.InvalidClient)));
    }
}
