using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Crowd.OAuth.Api.Pages;

/// <summary>
/// Every HTML page the server shows goes through here: one layout, one encoder, one set of security
/// headers, one stylesheet. Pages carry no script at all.
/// </summary>
public static class Html
{
    public const string StylesheetPath = "/static/site.css";

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    /// <summary>Text for HTML content or a quoted attribute value.</summary>
    // RFC 6749 §10.14: every received value is HTML-encoded before it appears in a page
    public static string E(string? value) => value is null ? "" : Encoder.Encode(value);

    /// <summary>
    /// The headers every page (and every redirect the pages answer) carries. <paramref name="formTargets"/>
    /// are extra CSP sources a form may post to or be redirected to (the client, after consent).
    /// </summary>
    public static void ApplySecurityHeaders(HttpResponse response, string? formTargets = null)
    {
        var formAction = string.IsNullOrEmpty(formTargets) ? "'self'" : "'self' " + formTargets;
        // RFC 9700 §4.16 and Spec §3: no page may be framed; no referrer, no caching
        response.Headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'self'; form-action {formAction}; frame-ancestors 'none'; base-uri 'none'";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
    }

    /// <summary>A whole page. <paramref name="body"/> is already HTML (built with <see cref="E"/>).</summary>
    public static IResult Page(int status, string title, string body, string? formTargets = null) =>
        new PageResult(status, title, body, formTargets);

    private sealed class PageResult(int status, string title, string body, string? formTargets) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            response.StatusCode = status;
            ApplySecurityHeaders(response, formTargets);
            response.ContentType = "text/html; charset=utf-8";
            return response.WriteAsync(Layout(title, body), context.RequestAborted);
        }
    }

    /// <summary>A 303 See Other to a URI that is already percent-encoded.</summary>
    public static IResult SeeOther(HttpContext context, string location)
    {
        ApplySecurityHeaders(context.Response);
        context.Response.Headers.Location = location;
        // RFC 9700 §4.12 and Spec §3: every redirect is a 303, never a 307 that would repost credentials
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    public static string Layout(string title, string body) => $"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{E(title)} - CrowdOAuth</title>
        <link rel="stylesheet" href="{StylesheetPath}">
        </head>
        <body>
        <main class="card">
        {body}
        </main>
        </body>
        </html>
        """;

    /// <summary>The hidden anti-forgery field for a form; the matching cookie is set on the response.</summary>
    public static string AntiforgeryField(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return Hidden(tokens.FormFieldName, tokens.RequestToken);
    }

    public static string Hidden(string name, string? value) =>
        $"""<input type="hidden" name="{E(name)}" value="{E(value)}">""";

    /// <summary>The one stylesheet, served at <see cref="StylesheetPath"/>.</summary>
    public const string Stylesheet = """
        :root { color-scheme: light dark; --accent: #0052cc; --muted: #5e6c84; --danger: #bf2600; }
        * { box-sizing: border-box; }
        body { margin: 0; min-height: 100vh; display: flex; align-items: flex-start; justify-content: center;
               font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f4f5f7; color: #172b4d; }
        @media (prefers-color-scheme: dark) { body { background: #1d2125; color: #dee4ea; } .card { background: #22272b; } }
        .card { margin: 3rem 1rem; padding: 2rem; width: 100%; max-width: 28rem; background: #fff; border-radius: 8px;
                box-shadow: 0 1px 3px rgba(0,0,0,.2); }
        h1 { font-size: 1.4rem; margin: 0 0 1rem; }
        h2 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
        p { margin: .5rem 0; }
        .muted { color: var(--muted); font-size: .9rem; }
        .error { color: var(--danger); font-weight: 600; }
        label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
        input[type=text], input[type=password] { width: 100%; padding: .5rem; font: inherit; border: 1px solid #8993a4; border-radius: 4px; }
        button { font: inherit; padding: .5rem 1.25rem; border-radius: 4px; border: 1px solid var(--accent); cursor: pointer; }
        button.primary { background: var(--accent); color: #fff; }
        button.secondary { background: transparent; color: var(--accent); }
        button.link { border: none; background: none; padding: 0; color: var(--accent); text-decoration: underline; }
        .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
        ul.scopes { padding-left: 1.2rem; }
        ul.scopes li { margin: .5rem 0; }
        code { font-family: ui-monospace, monospace; word-break: break-all; }
        """;
}
