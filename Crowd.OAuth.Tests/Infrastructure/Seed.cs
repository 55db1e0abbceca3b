using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Data.Stores;
using Npgsql;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>A client as a test registered it, with its plain secret (null for a public client).</summary>
public sealed record SeededClient(Client Client, string? Secret)
{
    public string ClientId => Client.ClientId;
    public string RedirectUri => Client.RedirectUris[0];
}

/// <summary>A user as a test created it, with the plain password.</summary>
public sealed record SeededUser(User User, string Password)
{
    public string Username => User.Username;
}

/// <summary>
/// Rows a test needs, written through the real stores on the real test database. Every name is
/// unique, so tests never depend on one another's leftovers.
/// </summary>
public static class Seed
{
    private static readonly IdentityPasswordHasher Hasher = new();

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static async Task<SeededUser> UserAsync(bool admin = false, bool active = true, string? username = null, string? password = null, NpgsqlDataSource? db = null)
    {
        var now = DateTimeOffset.UtcNow;
        password ??= "pw-" + Secrets.RandomHex(8);
        var user = new User(Guid.CreateVersion7(), username ?? Unique("user"), "Test User", "user@example.test",
            active, admin, Hasher.Hash(password), now);
        if (!await new UserStore(db ?? TestDatabase.DataSource).CreateAsync(user, CancellationToken.None))
        {
            throw new InvalidOperationException("username taken: " + user.Username);
        }
        return new SeededUser(user, password);
    }

    public static async Task<SeededClient> ClientAsync(
        string[]? redirects = null,
        string scope = Scopes.SystemAdmin,
        bool isPublic = false,
        bool introspect = false,
        string? name = null,
        NpgsqlDataSource? db = null)
    {
        var now = DateTimeOffset.UtcNow;
        var secret = isPublic ? null : Secrets.RandomHex(32);
        var client = new Client(Guid.CreateVersion7(), Secrets.RandomHex(16), name ?? Unique("client"),
            isPublic ? ClientTypes.Public : ClientTypes.Confidential, secret is null ? null : Secrets.Digest(secret),
            redirects ?? ["https://app.example.test/callback"], scope, introspect, "test", now);
        var result = await new ClientStore(db ?? TestDatabase.DataSource).CreateAsync(client, CancellationToken.None);
        if (result != ClientWriteResult.Done) throw new InvalidOperationException("client not created: " + result);
        return new SeededClient(client, secret);
    }
}

/// <summary>A code issued straight into a given database through the real issuer (the consent page's step), for process tests.</summary>
public static class DirectIssuer
{
    public static Task<string> IssueCodeAsync(NpgsqlDataSource db, SeededClient client, SeededUser user, string scope = Scopes.SystemAdmin) =>
        new Crowd.OAuth.Core.Grants.AuthorizationCodeIssuer(new AuthorizationCodeStore(db),
                new Crowd.OAuth.Core.Settings.OAuth2ProviderOptions { BaseUrl = "https://crowd.example.test" }, TimeProvider.System)
            .IssueAsync(new Crowd.OAuth.Core.Grants.ApprovedAuthorization(client.Client, user.User, client.RedirectUri, scope,
                OAuthTestClient.Challenge, CodeChallengeMethods.S256), CancellationToken.None);
}
