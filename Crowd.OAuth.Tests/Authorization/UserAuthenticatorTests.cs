using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Data.Stores;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Authorization;

public sealed class UserAuthenticatorTests
{
    /// <summary>The real hasher, counting verifications.</summary>
    private sealed class CountingHasher : IPasswordHasher
    {
        private readonly IdentityPasswordHasher _inner = new();
        public int Verifications { get; private set; }
        public string Hash(string password) => _inner.Hash(password);
        public PasswordCheck Verify(string hash, string password)
        {
            Verifications++;
            return _inner.Verify(hash, password);
        }
    }

    private static (UserAuthenticator Authenticator, CountingHasher Hasher) Create()
    {
        var hasher = new CountingHasher();
        return (new UserAuthenticator(new UserStore(TestDatabase.DataSource), hasher, TimeProvider.System), hasher);
    }

    [Test]
    [Requirement("SPEC-1-user-login")]
    public async Task Authenticate_RightPasswordAnyUsernameCase_ReturnsUser()
    {
        var seeded = await Seed.UserAsync();
        var (authenticator, _) = Create();
        var user = await authenticator.AuthenticateAsync(seeded.Username.ToUpperInvariant(), seeded.Password, CancellationToken.None);
        Assert.That(user?.Id, Is.EqualTo(seeded.User.Id));
    }

    [Test]
    [Requirement("SPEC-1-user-login")]
    public async Task Authenticate_WrongPassword_ReturnsNull()
    {
        var seeded = await Seed.UserAsync();
        var (authenticator, _) = Create();
        Assert.That(await authenticator.AuthenticateAsync(seeded.Username, seeded.Password + "x", CancellationToken.None), Is.Null);
    }

    [Test]
    [Requirement("SPEC-1-user-login", "SPEC-1-user-active")]
    public async Task Authenticate_DeactivatedUserRightPassword_ReturnsNull()
    {
        var seeded = await Seed.UserAsync(active: false);
        var (authenticator, _) = Create();
        Assert.That(await authenticator.AuthenticateAsync(seeded.Username, seeded.Password, CancellationToken.None), Is.Null);
    }

    [Test]
    [Requirement("SPEC-1-user-login")]
    public async Task Authenticate_UnknownUser_ReturnsNullAfterOnePasswordVerification()
    {
        var (authenticator, hasher) = Create();
        Assert.That(await authenticator.AuthenticateAsync(Seed.Unique("nobody"), "whatever", CancellationToken.None), Is.Null);
        Assert.That(hasher.Verifications, Is.EqualTo(1), "an unknown user costs a verification too");
    }
}
