using System.Globalization;
using System.Text;
using Crowd.OAuth.Api.Authorization;
using Crowd.OAuth.Api.Pages;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Microsoft.AspNetCore.Antiforgery;

namespace Crowd.OAuth.Api.Applications;

/// <summary>The logged-in user's authorized applications, each with a revoke button (Spec §2, §6).</summary>
public static class ApplicationsEndpoints
{
    public const string ApplicationsPath = "/plugins/servlet/oauth2/applications";
    public const string RevokeGrantPath = "/rest/oauth2/latest/revoke/{id}";

    public static IEndpointRouteBuilder MapApplicationsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(ApplicationsPath, ShowAsync);
        app.MapPost(RevokeGrantPath, RevokeAsync).DisableAntiforgery();
        return app;
    }

    /// <summary>GET: the list, or the login page first.</summary>
    private static async Task<IResult> ShowAsync(HttpContext context, GrantRevocation grants, CancellationToken cancellationToken)
    {
        if (await SessionUser.GetAsync(context) is not { } user) return LoginEndpoints.RedirectToLogin(context, ApplicationsPath);
        var live = await grants.ListAsync(user, cancellationToken);
        var body = new StringBuilder();
        body.Append("<h1>Authorized applications</h1>");
        body.Append($"""<p class="muted">Signed in as {Html.E(user.DisplayName)} ({Html.E(user.Username)}). These applications can act for you until you revoke them.</p>""");
        if (live.Count == 0) body.Append("<p>No application holds access to your account.</p>");
        var antiforgery = Html.AntiforgeryField(context);
        foreach (var grant in live)
        {
            var scopes = string.Join(", ", grant.Scope.Split(' ').Select(s => Scopes.Find(s)?.Title ?? s));
            body.Append($"""
                <section class="grant">
                <h2>{Html.E(grant.ClientName)}</h2>
                <p>Access: {Html.E(scopes)} <span class="muted">({Html.E(grant.Scope)})</span></p>
                <p class="muted">Granted {Html.E(Format(grant.GrantedAt))}; last used {Html.E(grant.LastUsedAt is { } used ? Format(used) : "not yet")}.</p>
                <form method="post" action="/rest/oauth2/latest/revoke/{grant.GrantId}">
                {antiforgery}
                <button type="submit" class="secondary" aria-label="Revoke access of {Html.E(grant.ClientName)}">Revoke access</button>
                </form>
                </section>
                """);
        }
        return Html.Page(StatusCodes.Status200OK, "Authorized applications", body.ToString());
    }

    /// <summary>POST: revoke one grant of the current user (any grant, for an administrator), then back to the list.</summary>
    private static async Task<IResult> RevokeAsync(HttpContext context, string id, IAntiforgery antiforgery, GrantRevocation grants, CancellationToken cancellationToken)
    {
        if (await SessionUser.GetAsync(context) is not { } user)
        {
            return Html.Page(StatusCodes.Status401Unauthorized, "Signed out", "<h1>You are signed out</h1><p>Sign in and try again. Nothing was changed.</p>");
        }
        // RFC 6749 §10.12: the revoke form must be ours (anti-forgery bound to this session)
        if (!await antiforgery.IsRequestValidAsync(context)) return LoginEndpoints.FormRejected();
        if (!Guid.TryParse(id, out var grantId)
            || await grants.RevokeAsync(user, grantId, context.Connection.RemoteIpAddress?.ToString(), cancellationToken) != GrantRevocationResult.Revoked)
        {
            return Html.Page(StatusCodes.Status404NotFound, "Not found", "<h1>No such authorization</h1><p>It may have been revoked already. Nothing was changed.</p>");
        }
        return Html.SeeOther(context, ApplicationsPath);
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
