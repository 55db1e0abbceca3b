using Microsoft.AspNetCore.Antiforgery;
using System.Text;
using System.Net;
using Crowd.OAuth.Api.Pages;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Data;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Crowd.OAuth.Api.Hosting;

/// <summary>
/// The last line of defence: an unexpected exception becomes a bare <c>server_error</c> (500), or
/// <c>temporarily_unavailable</c> (503, <c>Retry-After</c>) when the database cannot be reached. It
/// is logged (type and message only: exception messages here never carry request values).
/// </summary>
public static class ErrorHandling
{
    public static IApplicationBuilder UseCrowdErrorHandling(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            SuppressDiagnosticsCallback = _ => true,
            ExceptionHandler = HandleAsync,
        });

    private static async Task HandleAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Crowd.OAuth.Errors");

        if (exception is BadHttpRequestException bad)
        {
            // Kestrel refused the request's framing or size while a handler read it (413, 408, 400). Its
            // message may quote the request, so only the status is logged.
            logger.LogDebug("Bad request while serving {Path}: status {Status}", context.Request.Path.Value, bad.StatusCode);
            await WriteErrorAsync(context, (HttpStatusCode)bad.StatusCode, OAuthError.InvalidRequest("the request is malformed, too large or too slow"));
            return;
        }
        if (exception is InvalidDataException or DecoderFallbackException or AntiforgeryValidationException)
        {
            // The form reader refused the body (too many fields, a field too long, undecodable text), so
            // its anti-forgery token could not even be read: nothing happened.
            logger.LogDebug("Unreadable form while serving {Path}", context.Request.Path.Value);
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, OAuthError.InvalidRequest("the form is malformed or too large"));
            return;
        }
        if (exception is PostgresException { SqlState: "22021" or "22P05" })
        {
            // A value PostgreSQL cannot store as text (a NUL character): the caller's input, not our failure.
            logger.LogDebug("Unstorable character in a value while serving {Path}", context.Request.Path.Value);
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, OAuthError.InvalidRequest("a value contains characters that are not allowed"));
            return;
        }
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
            logger.LogDebug("Request to {Path} aborted by the client", context.Request.Path.Value);
            return;
        }

        var unavailable = exception is not null && (Database.IsUnavailable(exception) || exception is OperationCanceledException);
        if (unavailable)
        {
            logger.LogWarning("Database unavailable while serving {Path}: {Type}", context.Request.Path.Value, exception!.GetType().Name);
            // Pooled connections to a server that restarted are all dead: drop them now rather than
            // fail one request per pooled connection after it is back.
            context.RequestServices.GetService<NpgsqlDataSource>()?.Clear();
        }
        else
        {
            logger.LogError("Unexpected failure while serving {Path}: {Type}: {Message}", context.Request.Path.Value, exception?.GetType().Name, exception?.Message);
        }

        var error = unavailable
            ? OAuthError.TemporarilyUnavailable("the service is temporarily unavailable, try again shortly")
            : OAuthError.ServerError("the server could not complete the request");
        var status = unavailable ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.InternalServerError;
        await WriteErrorAsync(context, status, error);
    }

    /// <summary>JSON for the REST API, a small HTML page for people.</summary>
    public static async Task WriteErrorAsync(HttpContext context, HttpStatusCode status, OAuthError error)
    {
        var response = context.Response;
        if (response.HasStarted) return;
        response.Clear();
        response.StatusCode = (int)status;
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        if (status == HttpStatusCode.ServiceUnavailable) response.Headers.RetryAfter = "5";
        if (context.Request.Path.StartsWithSegments("/rest") || context.Request.Path.StartsWithSegments("/.well-known"))
        {
            await response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                [Parameters.Error] = error.Code,
                [Parameters.ErrorDescription] = error.Description,
            });
            return;
        }
        // People get the pages' own layout and security headers.
        Html.ApplySecurityHeaders(response);
        response.ContentType = "text/html; charset=utf-8";
        var title = status == HttpStatusCode.ServiceUnavailable ? "Temporarily unavailable" : "Something went wrong";
        await response.WriteAsync(Html.Layout(title, $"<h1>{title}</h1><p>{Html.E(error.Description)}.</p><p>Please try again in a moment.</p>"));
    }
}
