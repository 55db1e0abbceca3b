using Crowd.OAuth.Core.Protocol;

namespace Crowd.OAuth.Core.Directory;

/// <summary>
/// A registered client, Crowd's "incoming application link" (spec §1, §7). <see cref="SecretHash"/> is
/// SHA-256 of the secret, null for a public client.
/// </summary>
public sealed record Client(
    Guid Id,
    string ClientId,
    string Name,
    string ClientType,
    byte[]? SecretHash,
    IReadOnlyList<string> RedirectUris,
    string Scope,
    bool Introspect,
    string UserKey,
    DateTimeOffset CreatedAt)
{
    public bool IsPublic => ClientType == ClientTypes.Public;

    public override string ToString() => $"Client {{ ClientId = {ClientId}, Name = {Name} }}"; // never the hash
}

public enum ClientWriteResult { Done, NotFound, NameTaken }

public interface IClientStore
{
    Task<Client?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken);

    Task<Client?> FindByIdAsync(Guid id, CancellationToken cancellationToken);

    Task<IReadOnlyList<Client>> ListAsync(CancellationToken cancellationToken);

    Task<ClientWriteResult> CreateAsync(Client client, CancellationToken cancellationToken);

    /// <summary>Writes name, redirect URIs, scope and introspect of <paramref name="client"/>.</summary>
    Task<ClientWriteResult> UpdateAsync(Client client, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes the client and, in the same transaction, its codes, grants and tokens. Null when absent.</summary>
    Task<Client?> DeleteAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Replaces the secret digest; existing tokens stay valid. False when absent or public.</summary>
    Task<bool> SetSecretHashAsync(string clientId, byte[] secretHash, DateTimeOffset now, CancellationToken cancellationToken);
}
