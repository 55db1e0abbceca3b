namespace Crowd.OAuth.Core.Directory;

/// <summary>A person who logs in (spec §1). <see cref="PasswordHash"/> is an ASP.NET Core Identity hash.</summary>
public sealed record User(
    Guid Id,
    string Username,
    string DisplayName,
    string Email,
    bool Active,
    bool IsAdmin,
    string PasswordHash,
    DateTimeOffset CreatedAt)
{
    public override string ToString() => $"User {{ Id = {Id}, Username = {Username} }}"; // never the hash
}

public interface IUserStore
{
    /// <summary>Case-insensitive lookup (usernames are unique case-insensitively).</summary>
    Task<User?> FindByUsernameAsync(string username, CancellationToken cancellationToken);

    Task<User?> FindByIdAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>False when the username (in any letter case) is taken.</summary>
    Task<bool> CreateAsync(User user, CancellationToken cancellationToken);

    /// <summary>False when there is no such user.</summary>
    Task<bool> SetActiveAsync(Guid id, bool active, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> SetPasswordHashAsync(Guid id, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken);
}

public enum PasswordCheck { Failed, Success, SuccessRehashNeeded }

/// <summary>Password hashing by a well-kept implementation (ASP.NET Core Identity's, wired in the Api).</summary>
public interface IPasswordHasher
{
    string Hash(string password);
    PasswordCheck Verify(string hash, string password);
}
