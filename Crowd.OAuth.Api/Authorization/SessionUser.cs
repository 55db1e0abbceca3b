using System.Security.Claims;
using Crowd.OAuth.Core.Directory;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Crowd.OAuth.Api.Authorization;

/// <summary>
/// The browser session: a Data Protection–sealed cookie that carries only the user's id. Every
/// request that relies on it re-reads the user from the database, and a deleted or deactivated user
/// counts as logged out (the cookie is removed).
/// </summary>
public static class SessionUser
{
    /// <summary>The cookie authentication scheme of the login session.</summary>
    public const string Scheme = "CrowdSession";

    private static readonly object ItemKey = new();
    private static readonly object ResolvedKey = new();

    /// <summary>
    /// The logged-in, active user of this request, or null. Also sets <see cref="HttpContext.User"/>,
    /// which anti-forgery tokens are bound to. Cheap to call twice in one request.
    /// </summary>
    public static async Task<User?> GetAsync(HttpContext context)
    {
        if (context.Items.ContainsKey(ResolvedKey)) return context.Items[ItemKey] as User;
        var result = await context.AuthenticateAsync(Scheme);
        var user = result.Succeeded ? context.Items[ItemKey] as User : null;
        context.Items[ItemKey] = user;
        context.Items[ResolvedKey] = true;
        context.User = user is not null ? result.Principal! : new ClaimsPrincipal(new ClaimsIdentity());
        return user;
    }

    /// <summary>Starts a session for <paramref name="user"/> (a new cookie, so no session fixation).</summary>
    public static async Task SignInAsync(HttpContext context, User user)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.Username)],
            Scheme, ClaimTypes.Name, ClaimTypes.Role);
        var principal = new ClaimsPrincipal(identity);
        await context.SignInAsync(Scheme, principal, new AuthenticationProperties { IsPersistent = false });
        context.Items[ItemKey] = user;
        context.Items[ResolvedKey] = true;
        context.User = principal;
    }

    public static async Task SignOutAsync(HttpContext context)
    {
        await context.SignOutAsync(Scheme);
        context.Items[ItemKey] = null;
        context.Items[ResolvedKey] = true;
        context.User = new ClaimsPrincipal(new ClaimsIdentity());
    }

    /// <summary>Cookie event: each authentication of the cookie reads the user again.</summary>
    internal static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var users = context.HttpContext.RequestServices.GetRequiredService<IUserStore>();
        var user = Guid.TryParse(id, out var userId) ? await users.FindByIdAsync(userId, context.HttpContext.RequestAborted) : null;
        if (user is not { Active: true })
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }
        context.HttpContext.Items[ItemKey] = user;
    }
}
