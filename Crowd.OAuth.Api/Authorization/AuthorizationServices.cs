using Crowd.OAuth.Core.Authorization;
using Crowd.OAuth.Core.Directory;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace Crowd.OAuth.Api.Authorization;

public static class AuthorizationServices
{
    /// <summary>
    /// The authorization endpoint, login, consent and error pages: the session cookie, anti-forgery,
    /// and the Core checks they use. Cookies and anti-forgery tokens are sealed with the shared
    /// Data Protection keys, so any node reads what another node wrote.
    /// </summary>
    public static IServiceCollection AddAuthorizationPages(this IServiceCollection services)
    {
        services.AddSingleton<AuthorizationRequestValidator>();
        services.AddSingleton<UserAuthenticator>();
        services.AddSingleton<ConsentIntegrity>();

        // No default scheme: whoever needs the session asks for it (SessionUser), so other
        // families (bearer, Basic) are free to choose their own.
        services.AddAuthentication()
            .AddCookie(SessionUser.Scheme, cookie =>
            {
                cookie.Cookie.Name = "crowd.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.Path = "/";
                cookie.ExpireTimeSpan = TimeSpan.FromHours(1);
                cookie.SlidingExpiration = true;
                cookie.Events.OnValidatePrincipal = SessionUser.ValidatePrincipalAsync;
            });
        services.AddOptions<CookieAuthenticationOptions>(SessionUser.Scheme)
            .Configure<IHostEnvironment>((cookie, env) => cookie.Cookie.SecurePolicy = SecurePolicy(env));

        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "crowd.antiforgery";
            antiforgery.FormFieldName = "__RequestVerificationToken";
            antiforgery.HeaderName = null;
            // The pages send X-Frame-Options: DENY themselves.
            antiforgery.SuppressXFrameOptionsHeader = true;
            // Secure whenever the request is https. "Always" would make antiforgery throw on any
            // plain-http request (a node behind a TLS proxy, loopback tests), and this token is
            // worthless without the session cookie, which is always Secure outside Development.
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }

    // Secure cookies everywhere but on a developer's machine.
    private static CookieSecurePolicy SecurePolicy(IHostEnvironment env) =>
        env.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
}
