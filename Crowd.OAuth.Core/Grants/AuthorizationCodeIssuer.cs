using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;

namespace Crowd.OAuth.Core.Grants;

/// <summary>What the consent decision hands over when the user allows: a request already validated.</summary>
public sealed record ApprovedAuthorization(
    Client Client,
    User User,
    string RedirectUri,
    string Scope,
    string? CodeChallenge,
    string? CodeChallengeMethod);

/// <summary>Issues an authorization code for an approved request (RFC 6749 §4.1.2).</summary>
public sealed class AuthorizationCodeIssuer(IAuthorizationCodeStore codes, OAuth2ProviderOptions options, TimeProvider time)
{
    /// <summary>The code to send to the client. Only its digest is stored.</summary>
    public async Task<string> IssueAsync(ApprovedAuthorization approved, CancellationToken cancellationToken)
    {
        // RFC 6749 §10.10 and spec §1: at least 128 bits of randomness, URL-safe (we use 256)
        var code = Secrets.RandomUrlSafe(32);
        var now = time.GetUtcNow();
        await codes.CreateAsync(new NewAuthorizationCode(
            Secrets.Digest(code),
            Guid.CreateVersion7(now),
            approved.Client.Id,
            approved.User.Id,
            approved.RedirectUri,
            approved.Scope,
            // RFC 7636 §4.4: the challenge and its method are stored with the code, never encoded into it
            approved.CodeChallenge,
            approved.CodeChallengeMethod,
            now,
            // RFC 6749 §4.1.2: short-lived; spec §8 MaxClientDelaySeconds, at most 600
            now.AddSeconds(options.MaxClientDelaySeconds)), cancellationToken);
        return code;
    }
}
