namespace Crowd.OAuth.Core.Directory;

/// <summary>
/// Checks a username and password for the login page. Every failure looks the same (unknown user,
/// wrong password, deactivated user), and an unknown user costs one password verification too, so
/// neither the answer nor its timing tells whether a username exists.
/// </summary>
public sealed class UserAuthenticator(IUserStore users, IPasswordHasher hasher, TimeProvider time)
{
    private readonly Lazy<string> _dummyHash = new(() => hasher.Hash(Guid.NewGuid().ToString("N")));

    /// <summary>The active user these credentials belong to, or null.</summary>
    public async Task<User?> AuthenticateAsync(string? username, string? password, CancellationToken cancellationToken)
    {
        var user = string.IsNullOrEmpty(username) ? null : await users.FindByUsernameAsync(username, cancellationToken);
        // Spend the same work whether or not the user exists: verify against a dummy hash.
        var check = hasher.Verify(user?.PasswordHash ?? _dummyHash.Value, password ?? "");
        // Spec §1: a deactivated user cannot log in, and every failure looks the same
        if (user is null || check == PasswordCheck.Failed || !user.Active) return null;
        if (check == PasswordCheck.SuccessRehashNeeded)
        {
            await users.SetPasswordHashAsync(user.Id, hasher.Hash(password!), time.GetUtcNow(), cancellationToken);
        }
        return user;
    }
}
