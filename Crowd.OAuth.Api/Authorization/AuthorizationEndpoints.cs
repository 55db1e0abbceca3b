using Crowd.OAuth.Api.Pages;
using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Authorization;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Grants;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Primitives;
using static Crowd.OAuth.Core.Authorization.ResponseUri;

namespace Crowd.OAuth.Api.Authorization;

/// <summary>
/// The authorization endpoint and the pages around it (spec §2, §3): RFC 6749 §4.1.1–§4.1.2.1 with
/// RFC 7636 (PKCE), RFC 9207 (<c>iss</c>) and RFC 9700 §2.1 and §4.11 (exact redirect URIs, no open
/// redirector). Login and logout live in <see cref="LoginEndpoints"/>.
/// </summary>
public static class AuthorizationEndpoints
{
    public const string AuthorizePath = "/rest/oauth2/latest/authorize";
    public const string ConsentPath = "/plugins/servlet/oauth2/consent";
    public const string ErrorPath = "/plugins/servlet/oauth2/error";
    public const string ErrorNameParameter = "errorName";
    public const string ErrorDescriptionParameter = "errorDescription";
    public const string DecisionField = "decision";
    public const string Allow = "allow";
    public const string Deny = "deny";

    public static IEndpointRouteBuilder MapAuthorizationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(AuthorizePath, AuthorizeAsync);
        app.MapGet(ConsentPath, ShowConsentAsync);
        app.MapPost(ConsentPath, DecideAsync);
        app.MapGet(ErrorPath, ShowError);
        app.MapGet(Html.StylesheetPath, Stylesheet);
        app.MapLoginEndpoints();
        return app;
    }

    /// <summary>GET /rest/oauth2/latest/authorize (spec §3).</summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext context, AuthorizationRequestValidator validator, OAuth2ProviderOptions options, CancellationToken cancellationToken)
    {
        var request = AuthorizationRequest.From(name => context.Request.Query[name]);
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (validation is not ValidAuthorizationRequest valid) return Refuse(context, validation, options);

        // Spec §3: not logged in, log in first and come back to this very request
        if (await SessionUser.GetAsync(context) is null)
            return LoginEndpoints.RedirectToLogin(context, Append(AuthorizePath, request.ToParameters()));
        // Spec §3: Crowd's consent URL
        return Html.SeeOther(context, Append(ConsentPath, valid.ToParameters()));
    }

    /// <summary>GET /plugins/servlet/oauth2/consent: validates everything again and asks, every time (spec §3.5).</summary>
    private static async Task<IResult> ShowConsentAsync(HttpContext context, AuthorizationRequestValidator validator, ConsentIntegrity integrity, OAuth2ProviderOptions options, CancellationToken cancellationToken)
    {
        var request = AuthorizationRequest.From(name => context.Request.Query[name]);
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (validation is not ValidAuthorizationRequest valid) return Refuse(context, validation, options);

        var user = await SessionUser.GetAsync(context);
        if (user is null) return LoginEndpoints.RedirectToLogin(context, Append(ConsentPath, request.ToParameters()));

        var canonical = valid.ToRequest();
        var hidden = string.Concat(canonical.ToParameters().Where(p => p.Value is not null).Select(p => Html.Hidden(p.Key, p.Value)));
        var antiforgery = Html.AntiforgeryField(context);
        var scopes = Scopes.Expand(Scopes.Parse(valid.Scope) ?? new HashSet<string>());
        var scopeItems = string.Concat(Scopes.Catalogue.Where(s => scopes.Contains(s.Name))
            .Select(s => $"""<li><strong>{Html.E(s.Title)}</strong> <span class="muted">({Html.E(s.Name)})</span><br>{Html.E(s.Description)}</li>"""));
        var notYouReturn = Append(AuthorizePath, canonical.ToParameters());

        var body = $"""
            <h1>Allow {Html.E(valid.Client.Name)} to access your account?</h1>
            <p>Signed in as <strong>{Html.E(user.DisplayName)}</strong> <span class="muted">({Html.E(user.Username)})</span></p>
            <h2>{Html.E(valid.Client.Name)} will be able to</h2>
            <ul class="scopes">{scopeItems}</ul>
            <p class="muted">After your answer you will be sent to <code>{Html.E(valid.RedirectUri)}</code></p>
            <form method="post" action="{ConsentPath}">
            {hidden}
            {Html.Hidden(ConsentIntegrity.FieldName, integrity.Seal(canonical, user.Id))}
            {antiforgery}
            <div class="actions">
            <button type="submit" class="primary" name="{DecisionField}" value="{Allow}">Allow</button>
            <button type="submit" class="secondary" name="{DecisionField}" value="{Deny}">Deny</button>
            </div>
            </form>
            <form method="post" action="{LoginEndpoints.LogoutPath}">
            {Html.Hidden(LoginEndpoints.ReturnUrlParameter, notYouReturn)}
            {antiforgery}
            <p class="muted">Not {Html.E(user.DisplayName)}? <button type="submit" class="link">Sign in as someone else</button></p>
            </form>
            """;
        return Html.Page(StatusCodes.Status200OK, $"Allow {valid.Client.Name}", body, FormTarget(valid.RedirectUri));
    }

    /// <summary>POST /plugins/servlet/oauth2/consent: the decision, bound to the session and to the request the user saw (spec §3.6).</summary>
    private static async Task<IResult> DecideAsync(
        HttpContext context,
        IAntiforgery antiforgery,
        ConsentIntegrity integrity,
        AuthorizationRequestValidator validator,
        AuthorizationCodeIssuer issuer,
        IAuditLog audit,
        TimeProvider time,
        OAuth2ProviderOptions options,
        CancellationToken cancellationToken)
    {
        var user = await SessionUser.GetAsync(context);
        // RFC 6749 §10.12: a decision only counts when it comes from our own form, in this session
        if (!await antiforgery.IsRequestValidAsync(context)) return LoginEndpoints.FormRejected();
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var request = AuthorizationRequest.From(name => form[name]);
        if (user is null)
        {
            return Html.Page(StatusCodes.Status400BadRequest, "Session ended",
                "<h1>Your session has ended</h1><p>Nothing was shared. Go back to the application and start again.</p>");
        }
        // Spec §3: the consent POST is validated again; the decision applies to exactly the request this user was shown (no tampered client, scope or redirect)
        if (!integrity.Verify(Single(form[ConsentIntegrity.FieldName]), request, user.Id))
        {
            return Html.Page(StatusCodes.Status400BadRequest, "Request changed",
                "<h1>This request cannot be completed</h1><p>The consent form was changed or has expired. Nothing was shared. Go back to the application and start again.</p>");
        }
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (validation is not ValidAuthorizationRequest valid) return Refuse(context, validation, options);

        var decision = Single(form[DecisionField]);
        var remote = context.Connection.RemoteIpAddress?.ToString();
        var details = new Dictionary<string, string?> { ["scope"] = valid.Scope, [Parameters.RedirectUri] = valid.RedirectUri };
        if (decision == Allow)
        {
            var code = await issuer.IssueAsync(new ApprovedAuthorization(valid.Client, user, valid.RedirectUri, valid.Scope, valid.CodeChallenge, valid.CodeChallengeMethod), cancellationToken);
            await audit.WriteAsync(new AuditEvent(time.GetUtcNow(), user.Username, AuditActions.AuthorizationGranted, valid.Client.ClientId, details, remote), cancellationToken);
            // RFC 6749 §4.1.2 and RFC 9207 §2: code, the state as sent, and the issuer
            return Html.SeeOther(context, Append(valid.RedirectUri, [P(Parameters.Code, code), P(Parameters.State, valid.State), P(Parameters.Iss, options.Issuer)]));
        }
        if (decision == Deny)
        {
            await audit.WriteAsync(new AuditEvent(time.GetUtcNow(), user.Username, AuditActions.AuthorizationDenied, valid.Client.ClientId, details, remote), cancellationToken);
            // RFC 6749 §4.1.2.1: the resource owner denied the request
            return RedirectError(context, new RedirectError(valid.RedirectUri, OAuthError.AccessDenied("the user denied the request"), valid.State), options);
        }
        return Html.Page(StatusCodes.Status400BadRequest, "Unknown answer", "<h1>This request cannot be completed</h1><p>Choose Allow or Deny.</p>");
    }

    /// <summary>GET /plugins/servlet/oauth2/error: the error a client cannot be told about, always 400.</summary>
    private static IResult ShowError(HttpContext context)
    {
        var query = context.Request.Query;
        // Only error codes of the RFCs are shown as such, and descriptions are short: the page is not a billboard.
        var name = Single(query[ErrorNameParameter]) is { } n && KnownErrors.Contains(n) ? n : Errors.InvalidRequest;
        var description = Single(query[ErrorDescriptionParameter]) ?? "";
        if (description.Length > 200) description = description[..200];
        var body = $"""
            <h1>The application's request cannot be completed</h1>
            <p class="error">{Html.E(name)}</p>
            <p>{Html.E(description)}</p>
            <p class="muted">You were not sent back to the application because its request could not be verified. Contact the application's owner.</p>
            """;
        return Html.Page(StatusCodes.Status400BadRequest, "Authorization error", body);
    }

    private static IResult Stylesheet(HttpContext context)
    {
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "public, max-age=3600";
        return Results.Text(Html.Stylesheet, "text/css; charset=utf-8");
    }

    /// <summary>A request that failed validation: the error page (never the client), or the error sent to the validated redirect URI.</summary>
    private static IResult Refuse(HttpContext context, AuthorizationValidation validation, OAuth2ProviderOptions options) => validation switch
    {
        // RFC 6749 §4.1.2.1: inform the resource owner, do not redirect
        ShowErrorPage page => Html.SeeOther(context, Append(ErrorPath, [P(ErrorNameParameter, page.Error.Code), P(ErrorDescriptionParameter, page.Error.Description)])),
        RedirectError redirect => RedirectError(context, redirect, options),
        _ => throw new InvalidOperationException("a valid request is not refused"),
    };

    private static IResult RedirectError(HttpContext context, RedirectError redirect, OAuth2ProviderOptions options) =>
        // RFC 6749 §4.1.2.1 and RFC 9207 §2: error, error_description, the state as sent, and the issuer
        Html.SeeOther(context, Append(redirect.RedirectUri,
        [
            P(Parameters.Error, redirect.Error.Code),
            P(Parameters.ErrorDescription, redirect.Error.Description),
            P(Parameters.State, redirect.State),
            P(Parameters.Iss, options.Issuer),
        ]));

    /// <summary>
    /// The CSP source the consent form's 303 goes to: browsers apply <c>form-action</c> to the redirect
    /// after a form post too. Only safe characters reach the header; anything else is left out.
    /// </summary>
    internal static string? FormTarget(string redirectUri)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)) return null;
        var source = uri.Scheme is "http" or "https" ? uri.GetLeftPart(UriPartial.Authority) : uri.Scheme + ":";
        return source.Length > 0 && source.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '/' or '.' or '-' or '[' or ']' or '+')
            ? source
            : null;
    }

    internal static string? Single(StringValues values) => values.Count == 1 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

    private static readonly HashSet<string> KnownErrors =
    [
        Errors.InvalidRequest, Errors.InvalidClient, Errors.UnauthorizedClient, Errors.InvalidScope, Errors.AccessDenied,
        Errors.UnsupportedResponseType, Errors.ServerError, Errors.TemporarilyUnavailable,
    ];
}
