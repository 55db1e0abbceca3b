using Crowd.OAuth.Core.Auditing;

namespace Crowd.OAuth.Core.Tokens;

public enum KeyChange { Done, NotFound, Refused }

/// <summary>
/// Signing key rotation for operators (Spec §8): add a key, make it the one that signs, retire an
/// old one. Every node sees a change within <see cref="SigningKeyRing.RefreshInterval"/>; tokens
/// signed with a retired key stop verifying, tokens of a still-listed key keep working.
/// </summary>
public sealed class SigningKeyAdministration(ISigningKeyStore store, SigningKeyRing ring, IAuditLog audit, TimeProvider time)
{
    public Task<IReadOnlyList<SigningKey>> ListAsync(CancellationToken cancellationToken) => store.GetUsableAsync(cancellationToken);

    public async Task<SigningKey> AddAsync(bool activate, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = SigningKeyRing.Generate(now);
        await store.AddAsync(key, activate, cancellationToken);
        await AuditAsync(actor, AuditActions.SigningKeyAdded, key.Kid, cancellationToken);
        if (activate) await AuditAsync(actor, AuditActions.SigningKeyActivated, key.Kid, cancellationToken);
        ring.Invalidate();
        return key with { Active = activate };
    }

    public async Task<KeyChange> ActivateAsync(string kid, string actor, CancellationToken cancellationToken)
    {
        if (!await store.ActivateAsync(kid, time.GetUtcNow(), cancellationToken)) return KeyChange.NotFound;
        await AuditAsync(actor, AuditActions.SigningKeyActivated, kid, cancellationToken);
        ring.Invalidate();
        return KeyChange.Done;
    }

    /// <summary>Refused for the active key: activate another one first.</summary>
    public async Task<KeyChange> RetireAsync(string kid, string actor, CancellationToken cancellationToken)
    {
        var keys = await store.GetUsableAsync(cancellationToken);
        var key = keys.FirstOrDefault(k => k.Kid == kid);
        if (key is null) return KeyChange.NotFound;
        if (key.Active || !await store.RetireAsync(kid, time.GetUtcNow(), cancellationToken)) return KeyChange.Refused;
        await AuditAsync(actor, AuditActions.SigningKeyRetired, kid, cancellationToken);
        ring.Invalidate();
        return KeyChange.Done;
    }

    private Task AuditAsync(string actor, string action, string kid, CancellationToken cancellationToken) =>
        audit.WriteAsync(new AuditEvent(time.GetUtcNow(), actor, action, kid), cancellationToken);
}
