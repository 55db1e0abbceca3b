namespace Crowd.OAuth.Core.Auditing;

/// <summary>One audit record: who did what, when. Details never carry a secret, token, code or password.</summary>
public sealed record AuditEvent(
    DateTimeOffset OccurredAt,
    string Actor,
    string Action,
    string? Target,
    IReadOnlyDictionary<string, string?>? Details = null,
    string? RemoteAddress = null);

public interface IAuditLog
{
    Task WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken);
}

/// <summary>The actions the audit log records.</summary>
public static class AuditActions
{
    public const string UserCreated = "user.created";
    public const string UserDeactivated = "user.deactivated";
    public const string UserActivated = "user.activated";
    public const string ClientCreated = "client.created";
    public const string ClientUpdated = "client.updated";
    public const string ClientDeleted = "client.deleted";
    public const string ClientSecretReset = "client.secret_reset";
    public const string AuthorizationGranted = "authorization.granted";
    public const string AuthorizationDenied = "authorization.denied";
    public const string TokenIssued = "token.issued";
    public const string TokenRefreshed = "token.refreshed";
    public const string CodeReplayDetected = "code.replay_detected";
    public const string RefreshReuseDetected = "refresh.reuse_detected";
    public const string GrantRevoked = "grant.revoked";
    public const string TokenRevoked = "token.revoked";
    public const string SigningKeyAdded = "signing_key.added";
    public const string SigningKeyActivated = "signing_key.activated";
    public const string SigningKeyRetired = "signing_key.retired";
}
