using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Directory;

namespace Crowd.OAuth.Core.Grants;

public enum GrantRevocationResult { Revoked, NotFound }

/// <summary>A person revoking an application's access from the authorized applications page (Spec §6).</summary>
public sealed class GrantRevocation(ITokenStore tokens, IAuditLog audit, TimeProvider time)
{
    public Task<IReadOnlyList<LiveGrant>> ListAsync(User user, CancellationToken cancellationToken) =>
        tokens.ListLiveGrantsAsync(user.Id, time.GetUtcNow(), cancellationToken);

    /// <summary>Revokes one grant of <paramref name="actor"/>, or any grant when the actor is an administrator.</summary>
    public async Task<GrantRevocationResult> RevokeAsync(User actor, Guid grantId, string? remoteAddress, CancellationToken cancellationToken)
    {
        var owner = await tokens.FindGrantOwnerAsync(grantId, cancellationToken);
        // Spec §6: a user revokes their own grants; an administrator any. Someone else's grant looks absent.
        if (owner is null || (owner != actor.Id && !actor.IsAdmin)) return GrantRevocationResult.NotFound;
        var now = time.GetUtcNow();
        if (!await tokens.RevokeGrantAsync(grantId, owner == actor.Id ? "revoked_by_user" : "revoked_by_administrator", now, cancellationToken))
        {
            return GrantRevocationResult.NotFound;
        }
        await audit.WriteAsync(new AuditEvent(now, actor.Username, AuditActions.GrantRevoked, grantId.ToString(), null, remoteAddress), cancellationToken);
        return GrantRevocationResult.Revoked;
    }
}
