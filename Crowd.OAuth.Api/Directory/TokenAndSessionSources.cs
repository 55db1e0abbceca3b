using System.Net.Http.Headers;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Api.Resources;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Api.Directory;

/// <summary>
/// Spec §7: a SYSTEM_ADMIN bearer token of an administrator. A token that is invalid, or lacks
/// SYSTEM_ADMIN, is rejected (401); a valid one of a non-administrator reaches the 403 rule.
/// </summary>
public sealed class BearerCredentialSource(BearerAuthentication bearer, IUserStore users) : IAdminCredentialSource
{
    public async Task<CredentialCheck> CheckAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization.ToString(), out var header)
            || !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return CredentialCheck.Absent;
        }
        if (string.IsNullOrEmpty(header.Parameter) || await bearer.ValidateAsync(header.Parameter, cancellationToken) is not { } token
            || !Scopes.Satisfies(token.Scope, Scopes.SystemAdmin))
        {
            return CredentialCheck.Rejected;
        }
        return await users.FindByIdAsync(token.UserId, cancellationToken) is { } user ? CredentialCheck.Accepted(user) : CredentialCheck.Rejected;
    }
}

/// <summary>
/// Spec §7: the administrator's browser session. Safe against cross-site requests: the session
/// cookie is SameSite=Lax, and the API only takes JSON bodies or PUT/DELETE, which a foreign page
/// cannot send without a CORS preflight that this server never grants.
/// </summary>
public sealed class SessionCredentialSource : IAdminCredentialSource
{
    public async Task<CredentialCheck> CheckAsync(HttpContext context, CancellationToken cancellationToken) =>
        await SessionUser.GetAsync(context) is { } user ? CredentialCheck.Accepted(user) : CredentialCheck.Absent;
}
