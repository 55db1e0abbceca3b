using System.Net.Http.Headers;
using System.Text;
using Crowd.OAuth.Core.Directory;
using Crowd.OAuth.Core.Throttling;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Crowd.OAuth.Api.Directory;

public enum CredentialVerdict
{
    /// <summary>The request carries no credentials of this source's kind.</summary>
    Absent,
    /// <summary>It carries some, and they are wrong (or belong to a deactivated user).</summary>
    Rejected,
    /// <summary>They identify this active user.</summary>
    Accepted,
}

public sealed record CredentialCheck(CredentialVerdict Verdict, User? User)
{
    public static readonly CredentialCheck Absent = new(CredentialVerdict.Absent, null);
    public static readonly CredentialCheck Rejected = new(CredentialVerdict.Rejected, null);
    public static CredentialCheck Accepted(User user) => new(CredentialVerdict.Accepted, user);
}

/// <summary>
/// One way an administrator proves who they are (spec §7): HTTP Basic now; a SYSTEM_ADMIN bearer
/// token and the administrator's session are further sources registered beside it.
/// </summary>
public interface IAdminCredentialSource
{
    Task<CredentialCheck> CheckAsync(HttpContext context, CancellationToken cancellationToken);
}

/// <summary>What <see cref="AdminAuthentication"/> concluded: the administrator, or the response to send instead.</summary>
public sealed record AdminAuthenticationResult(User? Administrator, AdminAuthFailure? Failure)
{
    /// <summary>The audit log's actor for this administrator's request.</summary>
    public Actor ActorFor(HttpContext context) => new(Administrator!.Username, context.Connection.RemoteIpAddress?.ToString());
}

/// <summary>
/// Who may use the client administration API (spec §7): system administrators only. The sources
/// are asked in registration order; the first that accepts decides. No accepted source → 401 with
/// a Basic challenge; an active user who is not an administrator → 403.
/// </summary>
public sealed class AdminAuthentication(IEnumerable<IAdminCredentialSource> sources)
{
    public const string Realm = "crowd-oauth";
    public static readonly string BasicChallenge = $"Basic realm=\"{Realm}\"";

    private readonly IReadOnlyList<IAdminCredentialSource> _sources = sources.ToList();

    public async Task<AdminAuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        foreach (var source in _sources)
        {
            var check = await source.CheckAsync(context, cancellationToken);
            if (check.Verdict != CredentialVerdict.Accepted) continue;
            // spec §5, §7: a user who is deactivated is not authenticated
            if (!check.User!.Active) break;
            // spec §7: authenticated but not an administrator → 403
            return check.User.IsAdmin
                ? new AdminAuthenticationResult(check.User, null)
                : new AdminAuthenticationResult(null, AdminAuthFailure.Forbidden);
        }
        // spec §7, RFC 7235 §3.1: no or wrong credentials → 401 with a challenge
        return new AdminAuthenticationResult(null, AdminAuthFailure.Unauthorized);
    }
}

/// <summary>
/// HTTP Basic with a user's username and password (RFC 7617). A wrong password, an unknown user and
/// a deactivated one are alike to the caller, and an unknown username costs one hash check too.
/// </summary>
public sealed class BasicCredentialSource(UserAuthenticator users, LoginThrottle throttle) : IAdminCredentialSource
{
    private const string Scheme = "Basic";

    public async Task<CredentialCheck> CheckAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization.ToString(), out var header)
            || !header.Scheme.Equals(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return CredentialCheck.Absent;
        }
        if (!TryDecode(header.Parameter, out var username, out var password)) return CredentialCheck.Rejected;

        var address = context.Connection.RemoteIpAddress?.ToString();
        // RFC 6749 §2.3.1: the login page's throttle guards these passwords too (a throttled caller is simply refused)
        if (await throttle.RetryAfterAsync(username, address, cancellationToken) is not null) return CredentialCheck.Rejected;
        // The login page's check: one verdict for unknown, wrong and deactivated, at one cost.
        var user = await users.AuthenticateAsync(username, password, cancellationToken);
        if (user is null) await throttle.RecordFailureAsync(username, address, cancellationToken);
        return user is not null ? CredentialCheck.Accepted(user) : CredentialCheck.Rejected;
    }

    // RFC 7617 §2: credentials are base64 of user-id ":" password, UTF-8 (§2.1); the user-id has no colon
    private static bool TryDecode(string? parameter, out string username, out string password)
    {
        username = password = "";
        if (string.IsNullOrEmpty(parameter)) return false;
        var bytes = new byte[parameter.Length];
        if (!Convert.TryFromBase64String(parameter, bytes, out var length)) return false;
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return false;
        username = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}

/// <summary>401 (with the Basic challenge) or 403, with the admin API's error body.</summary>
public sealed class AdminAuthFailure : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public static readonly AdminAuthFailure Unauthorized = new(StatusCodes.Status401Unauthorized, "authentication as a system administrator is required");
    public static readonly AdminAuthFailure Forbidden = new(StatusCodes.Status403Forbidden, "only system administrators may manage clients");

    private readonly string _message;

    private AdminAuthFailure(int statusCode, string message)
    {
        StatusCode = statusCode;
        _message = message;
    }

    public int StatusCode { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCode;
        httpContext.Response.Headers.CacheControl = "no-store";
        if (StatusCode == StatusCodes.Status401Unauthorized) httpContext.Response.Headers[HeaderNames.WWWAuthenticate] = AdminAuthentication.BasicChallenge;
        return httpContext.Response.WriteAsJsonAsync(DirectoryErrors.General(_message), httpContext.RequestAborted);
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(DirectoryErrors), ["application/json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(DirectoryErrors), ["application/json"]));
    }
}
