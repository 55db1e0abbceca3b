using Crowd.OAuth.Core.Directory;
using Microsoft.AspNetCore.Identity;
using CorePasswordHasher = Crowd.OAuth.Core.Directory.IPasswordHasher;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>ASP.NET Core Identity's hasher (PBKDF2, HMAC-SHA512, 100,000 iterations, V3 format).</summary>
public sealed class IdentityPasswordHasher : CorePasswordHasher
{
    private static readonly PasswordHasher<User> Hasher = new();

    public string Hash(string password) => Hasher.HashPassword(null!, password);

    public PasswordCheck Verify(string hash, string password) => Hasher.VerifyHashedPassword(null!, hash, password) switch
    {
        PasswordVerificationResult.Success => PasswordCheck.Success,
        PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.SuccessRehashNeeded,
        _ => PasswordCheck.Failed,
    };
}
