using Crowd.OAuth.Api.Pages;
using Crowd.OAuth.Api.Hosting;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Throttling;
using Microsoft.AspNetCore.Antiforgery;
using static Crowd.OAuth.Api.Authorization.AuthorizationEndpoints;

namespace Crowd.OAuth.Api.Authorization;

/// <summary>
/// GET, POST /login and POST /logout (spec §2). The session is a cookie (see <see cref="SessionUser"/>);
/// every form carries an anti-forgery token; return URLs are followed only when they are paths of
/// this server (RFC 9700 §4.11: no open redirector).
/// </summary>
public static class LoginEndpoints
{
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";
    public const string ReturnUrlParameter = "returnUrl";
    public const string UsernameField = "username";
    public const string PasswordField = "password";
    public const string InvalidCredentials = "Invalid username or password";

    public static IEndpointRouteBuilder MapLoginEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(LoginPath, (Delegate)ShowLoginAsync);
        // A per-node flood guard per address; guessing is limited across nodes by LoginThrottle.
        app.MapPost(LoginPath, LogInAsync).RequireRateLimiting(RateLimitPolicies.PerAddress);
        app.MapPost(LogoutPath, LogOutAsync);
        return app;
    }

    /// <summary>303 to the login page, which comes back to <paramref name="returnUrl"/> (a path of this server).</summary>
    public static IResult RedirectToLogin(HttpContext context, string returnUrl) =>
        Html.SeeOther(context, $"{LoginPath}?{ReturnUrlParameter}={Uri.EscapeDataString(returnUrl)}");

    /// <summary>A form without our anti-forgery token, or with someone else's: nothing happens.</summary>
    public static IResult FormRejected() => Html.Page(StatusCodes.Status400BadRequest, "Form expired",
        "<h1>This form cannot be accepted</h1><p>It has expired or did not come from this site. Nothing was changed. Go back, reload the page and try again.</p>");

    /// <summary>
    /// <paramref name="value"/> when it is a path of this server: one "/" followed by neither "/" nor "\"
    /// (which browsers read as another host), printable ASCII only (no control character a browser
    /// would strip into "//"). Null otherwise.
    /// </summary>
    public static string? LocalReturnUrl(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 4096) return null;
        // RFC 9700 §2.1 and Spec §3: only local paths (no open redirector); "//host" and "/\host" name another host
        if (value[0] != '/' || (value.Length > 1 && value[1] is '/' or '\\')) return null;
        // RFC 9700 §2.1: browsers drop tabs and newlines, so "/\t/host" would become "//host"
        return value.All(c => c is > ' ' and <= '~') ? value : null;
    }

    /// <summary>GET /login: the form, or, for someone already logged in, where they were going (or a "signed in" page).</summary>
    private static async Task<IResult> ShowLoginAsync(HttpContext context)
    {
        var user = await SessionUser.GetAsync(context);
        var returnUrl = LocalReturnUrl(Single(context.Request.Query[ReturnUrlParameter]));
        if (user is null) return LoginPage(context, StatusCodes.Status200OK, returnUrl, null, null);
        if (returnUrl is not null) return Html.SeeOther(context, returnUrl);
        var body = $"""
            <h1>You are signed in</h1>
            <p>Signed in as <strong>{Html.E(user.DisplayName)}</strong> <span class="muted">({Html.E(user.Username)})</span>.</p>
            <form method="post" action="{LogoutPath}">
            {Html.AntiforgeryField(context)}
            <div class="actions"><button type="submit" class="secondary">Sign out</button></div>
            </form>
            """;
        return Html.Page(StatusCodes.Status200OK, "Signed in", body);
    }

    /// <summary>POST /login.</summary>
    private static async Task<IResult> LogInAsync(HttpContext context, IAntiforgery antiforgery, UserAuthenticator authenticator, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        await SessionUser.GetAsync(context);
        // RFC 6749 §10.12: no login CSRF, the form must be ours
        if (!await antiforgery.IsRequestValidAsync(context)) return FormRejected();
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var returnUrl = LocalReturnUrl(Single(form[ReturnUrlParameter]));
        var username = Single(form[UsernameField]);
        var address = context.Connection.RemoteIpAddress?.ToString();
        // RFC 6749 §2.3.1 and §10.10: too many failed logins for this username or address, across nodes: wait, whatever the password
        if (await throttle.RetryAfterAsync(username, address, cancellationToken) is { } wait) return TooManyAttempts(context, wait);
        var user = await authenticator.AuthenticateAsync(username, Single(form[PasswordField]), cancellationToken);
        // One message for an unknown user, a wrong password and a deactivated user
        if (user is null)
        {
            await throttle.RecordFailureAsync(username, address, cancellationToken);
            return LoginPage(context, StatusCodes.Status400BadRequest, returnUrl, username, InvalidCredentials);
        }
        await SessionUser.SignInAsync(context, user);
        return Html.SeeOther(context, returnUrl ?? LoginPath);
    }

    /// <summary>POST /logout, then back to a local return URL (the consent page's "Not you?") or the login page.</summary>
    private static async Task<IResult> LogOutAsync(HttpContext context, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        await SessionUser.GetAsync(context);
        if (!await antiforgery.IsRequestValidAsync(context)) return FormRejected();
        var form = await context.Request.ReadFormAsync(cancellationToken);
        await SessionUser.SignOutAsync(context);
        return Html.SeeOther(context, LocalReturnUrl(Single(form[ReturnUrlParameter])) ?? LoginPath);
    }

    /// <summary>429 with Retry-After and a page that says how long to wait.</summary>
    public static IResult TooManyAttempts(HttpContext context, TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Html.Page(StatusCodes.Status429TooManyRequests, "Too many attempts",
            $"<h1>Too many attempts</h1><p>Sign-in is paused for this account or address after too many failed attempts. Try again in {seconds} seconds.</p>");
    }

    private static IResult LoginPage(HttpContext context, int status, string? returnUrl, string? username, string? error)
    {
        var message = error is null ? "" : $"""<p class="error" role="alert">{Html.E(error)}</p>""";
        var body = $"""
            <h1>Sign in</h1>
            {message}
            <form method="post" action="{LoginPath}">
            {Html.AntiforgeryField(context)}
            {(returnUrl is null ? "" : Html.Hidden(ReturnUrlParameter, returnUrl))}
            <label for="username">Username</label>
            <input type="text" id="username" name="{UsernameField}" value="{Html.E(username)}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
            <label for="password">Password</label>
            <input type="password" id="password" name="{PasswordField}" autocomplete="current-password" required>
            <div class="actions"><button type="submit" class="primary">Sign in</button></div>
            </form>
            """;
        return Html.Page(status, "Sign in", body);
    }
}
