using System.Buffers.Binary;
using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Time.Testing;

namespace Crowd.OAuth.Tests.DirectoryAdmin;

/// <summary>Users (spec §1) through <see cref="UserService"/> on the real database.</summary>
public sealed class UserServiceTests
{
    private static readonly Actor Operator = new("cli:test");

    private static UserService NewService() =>
        new(new UserStore(TestDatabase.DataSource), new IdentityPasswordHasher(), new AuditLog(TestDatabase.DataSource),
            new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero)));

    [Test]
    [Requirement("RFC6749-10.10-password-storage")]
    public async Task Create_ValidRequest_StoresAHashNotThePasswordAndAuditsWithoutIt()
    {
        var users = NewService();
        var username = Seed.Unique("alice");
        const string password = "correct horse battery staple";

        var outcome = await users.CreateAsync(new CreateUserRequest(username, password, IsAdmin: true, "Alice A.", "alice@example.test"), Operator, CancellationToken.None);

        Assert.That(outcome.Status, Is.EqualTo(DirectoryStatus.Done));
        var user = outcome.Value!;
        Assert.That(user.IsAdmin && user.Active, Is.True);
        Assert.That(user.DisplayName, Is.EqualTo("Alice A."));
        Assert.That(user.PasswordHash, Does.Not.Contain(password));
        var authenticator = new UserAuthenticator(new UserStore(TestDatabase.DataSource), new IdentityPasswordHasher(), TimeProvider.System);
        Assert.That((await authenticator.AuthenticateAsync(username, password, CancellationToken.None))?.Id, Is.EqualTo(user.Id));
        Assert.That(await authenticator.AuthenticateAsync(username, password + "!", CancellationToken.None), Is.Null);
        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        var audit = (await connection.QueryAsync<(string Actor, string Action, string Row)>(
            "SELECT actor, action, a::text FROM audit_events a WHERE target = @username", new { username })).ToList();
        Assert.That(audit.Select(a => (a.Actor, a.Action)), Is.EqualTo(new[] { (Operator.Name, AuditActions.UserCreated) }));
        Assert.That(audit[0].Row, Does.Not.Contain(password).And.Not.Contain(user.PasswordHash));
    }

    [Test]
    [Requirement("RFC6749-10.10-password-storage")]
    public async Task Create_TwoUsersWithOnePassword_StoresDifferentSaltedSlowHashes()
    {
        var users = NewService();
        const string password = "one password for two people";

        var ann = (await users.CreateAsync(new CreateUserRequest(Seed.Unique("ann"), password, DisplayName: "Ann", Email: "ann@example.test"), Operator, CancellationToken.None)).Value!;
        var bob = (await users.CreateAsync(new CreateUserRequest(Seed.Unique("bob"), password, DisplayName: "Bob", Email: "bob@example.test"), Operator, CancellationToken.None)).Value!;

        Assert.That(ann.PasswordHash, Is.Not.EqualTo(bob.PasswordHash), "each hash has its own salt");
        // ASP.NET Core Identity V3: 0x01, PRF, iteration count, salt length (big-endian), salt, subkey
        var bytes = Convert.FromBase64String(ann.PasswordHash);
        Assert.That(bytes[0], Is.EqualTo(0x01));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5, 4)), Is.GreaterThanOrEqualTo(100_000u), "PBKDF2 iterations");
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(9, 4)), Is.GreaterThanOrEqualTo(16u), "salt bytes");
    }

    [Test]
    [Requirement("SPEC-1-username-unique")]
    public async Task Create_UsernameTakenInAnotherLetterCase_ReturnsFieldErrorOnUsername()
    {
        var users = NewService();
        var username = Seed.Unique("Bob");
        await users.CreateAsync(new CreateUserRequest(username, "password-one"), Operator, CancellationToken.None);

        var outcome = await users.CreateAsync(new CreateUserRequest(username.ToUpperInvariant(), "password-two"), Operator, CancellationToken.None);

        Assert.That(outcome.Status, Is.EqualTo(DirectoryStatus.Invalid));
        Assert.That(outcome.Errors!.FieldErrors.Keys, Is.EquivalentTo(new[] { "username" }));
        Assert.That((await users.FindAsync(username.ToLowerInvariant(), CancellationToken.None))?.Username, Is.EqualTo(username));
    }

    [TestCase("", "password-long-enough", "username")]
    [TestCase(" padded", "password-long-enough", "username")]
    [TestCase("with:colon", "password-long-enough", "username")]
    [TestCase("line\nbreak", "password-long-enough", "username")]
    [TestCase("fine", "short", "password")]
    [TestCase("fine", "", "password")]
    [Requirement("RFC7617-2-basic-credentials")]
    public async Task Create_InvalidField_ReturnsFieldErrorAndStoresNothing(string username, string password, string field)
    {
        var users = NewService();
        var name = username == "fine" ? Seed.Unique("fine") : username;

        var outcome = await users.CreateAsync(new CreateUserRequest(name, password), Operator, CancellationToken.None);

        Assert.That(outcome.Status, Is.EqualTo(DirectoryStatus.Invalid));
        Assert.That(outcome.Errors!.FieldErrors.Keys, Is.EquivalentTo(new[] { field }));
        if (name.Length > 0) Assert.That(await users.FindAsync(name, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task DeactivateThenActivate_ExistingUser_FlipsActiveAndAuditsBoth()
    {
        var users = NewService();
        var seeded = await Seed.UserAsync();

        var deactivated = await users.DeactivateAsync(seeded.Username.ToUpperInvariant(), Operator, CancellationToken.None);
        var whileInactive = await users.FindAsync(seeded.Username, CancellationToken.None);
        var activated = await users.ActivateAsync(seeded.Username, Operator, CancellationToken.None);

        Assert.That(deactivated.Status, Is.EqualTo(DirectoryStatus.Done));
        Assert.That(whileInactive!.Active, Is.False);
        Assert.That(activated.Value!.Active, Is.True);
        Assert.That((await users.FindAsync(seeded.Username, CancellationToken.None))!.Active, Is.True);
        await using var connection = await TestDatabase.DataSource.OpenConnectionAsync();
        var actions = await connection.QueryAsync<string>("SELECT action FROM audit_events WHERE target = @Username ORDER BY id", new { seeded.Username });
        Assert.That(actions, Is.EqualTo(new[] { AuditActions.UserDeactivated, AuditActions.UserActivated }));
    }

    [Test]
    public async Task Deactivate_UnknownUser_ReturnsNotFound()
    {
        var outcome = await NewService().DeactivateAsync(Seed.Unique("ghost"), Operator, CancellationToken.None);

        Assert.That(outcome.Status, Is.EqualTo(DirectoryStatus.NotFound));
    }
}
