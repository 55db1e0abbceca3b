using Crowd.OAuth.Core.Auditing;
using Crowd.OAuth.Core.Protocol;
using Crowd.OAuth.Core.Settings;

namespace Crowd.OAuth.Core.Directory;

/// <summary>A client with its plain secret, which exists only in this answer (null for a public client).</summary>
public sealed record ClientWithSecret(Client Client, string? Secret)
{
    public override string ToString() => $"ClientWithSecret {{ {Client} }}"; // never the secret
}

/// <summary>
/// Registered clients (spec §1, §7): the one implementation of their rules, used by the admin REST
/// API and the operators' command line alike. Every change is audited, never with the secret.
/// </summary>
public sealed class ClientService(IClientStore store, IAuditLog audit, OAuth2ProviderOptions options, TimeProvider time)
{
    /// <summary>spec §1: clientId is 32 lowercase hex characters (128 random bits).</summary>
    public const int ClientIdBytes = 16;

    /// <summary>spec §1: clientSecret is 64 lowercase hex characters (256 random bits).</summary>
    public const int SecretBytes = 32;

    private readonly CreateClientRequestValidator _createValidator = new(options);
    private readonly UpdateClientRequestValidator _updateValidator = new(options);

    public Task<IReadOnlyList<Client>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    public Task<Client?> GetAsync(Guid id, CancellationToken cancellationToken) => store.FindByIdAsync(id, cancellationToken);

    /// <summary>By clientId, or else by id (the command line accepts either).</summary>
    public async Task<Client?> FindAsync(string idOrClientId, CancellationToken cancellationToken) =>
        await store.FindByClientIdAsync(idOrClientId, cancellationToken)
        ?? (Guid.TryParse(idOrClientId, out var id) ? await store.FindByIdAsync(id, cancellationToken) : null);

    public async Task<DirectoryOutcome<ClientWithSecret>> CreateAsync(CreateClientRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var validation = await _createValidator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid) return DirectoryOutcome<ClientWithSecret>.Invalid(DirectoryErrors.From(validation));

        var now = time.GetUtcNow();
        var clientType = request.ClientType ?? ClientTypes.Confidential;
        // spec §1 and RFC 6749 §10.1: a public client has no secret; a confidential one gets 256 random bits, stored only as SHA-256
        var secret = clientType == ClientTypes.Public ? null : Secrets.RandomHex(SecretBytes);
        var client = new Client(
            Guid.CreateVersion7(now),
            Secrets.RandomHex(ClientIdBytes),
            request.Name!,
            clientType,
            secret is null ? null : Secrets.Digest(secret),
            ClientRules.Normalize(request.Redirects!),
            ClientRules.NormalizeScope(request.Scope ?? Scopes.User),
            request.Introspect ?? false,
            actor.Name,
            now);

        // spec §1: a client's name is unique
        if (await store.CreateAsync(client, cancellationToken) == ClientWriteResult.NameTaken) return NameTaken<ClientWithSecret>();

        await WriteAuditAsync(actor, AuditActions.ClientCreated, client, cancellationToken);
        return DirectoryOutcome<ClientWithSecret>.Success(new ClientWithSecret(client, secret));
    }

    public async Task<DirectoryOutcome<Client>> UpdateAsync(Guid id, UpdateClientRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var validation = await _updateValidator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid) return DirectoryOutcome<Client>.Invalid(DirectoryErrors.From(validation));

        var existing = await store.FindByIdAsync(id, cancellationToken);
        if (existing is null) return DirectoryOutcome<Client>.NotFound();
        // RFC 8252 §8.4: a client keeps the type it was registered with (changing it would orphan or lack a secret)
        if (request.ClientType is { } type && type != existing.ClientType)
        {
            return DirectoryOutcome<Client>.Invalid(DirectoryErrors.Field(Fields.ClientType, "the client type cannot be changed; register a new client instead"));
        }

        // spec §7: absent fields keep their values
        var updated = existing with
        {
            Name = request.Name ?? existing.Name,
            RedirectUris = request.Redirects is null ? existing.RedirectUris : ClientRules.Normalize(request.Redirects),
            Scope = request.Scope is null ? existing.Scope : ClientRules.NormalizeScope(request.Scope),
            Introspect = request.Introspect ?? existing.Introspect,
        };
        switch (await store.UpdateAsync(updated, time.GetUtcNow(), cancellationToken))
        {
            case ClientWriteResult.NotFound: return DirectoryOutcome<Client>.NotFound();
            case ClientWriteResult.NameTaken: return NameTaken<Client>();
        }

        await WriteAuditAsync(actor, AuditActions.ClientUpdated, updated, cancellationToken);
        return DirectoryOutcome<Client>.Success(updated);
    }

    /// <summary>Deletes the client with its codes, grants and tokens (one statement, ON DELETE CASCADE). Null when absent.</summary>
    public async Task<Client?> DeleteAsync(Guid id, Actor actor, CancellationToken cancellationToken)
    {
        var deleted = await store.DeleteAsync(id, cancellationToken);
        if (deleted is not null) await WriteAuditAsync(actor, AuditActions.ClientDeleted, deleted, cancellationToken);
        return deleted;
    }

    /// <summary>A new secret for a confidential client; only the digest changes, so its tokens stay valid (spec §7).</summary>
    public async Task<DirectoryOutcome<ClientWithSecret>> ResetSecretAsync(string clientId, Actor actor, CancellationToken cancellationToken)
    {
        var client = await store.FindByClientIdAsync(clientId, cancellationToken);
        if (client is null) return DirectoryOutcome<ClientWithSecret>.NotFound();
        // spec §1 and RFC 6749 §10.1: a public client has no secret to reset
        if (client.IsPublic) return DirectoryOutcome<ClientWithSecret>.Invalid(DirectoryErrors.General("a public client has no secret"));

        var secret = Secrets.RandomHex(SecretBytes);
        var digest = Secrets.Digest(secret);
        if (!await store.SetSecretHashAsync(clientId, digest, time.GetUtcNow(), cancellationToken)) return DirectoryOutcome<ClientWithSecret>.NotFound();

        var reset = client with { SecretHash = digest };
        await WriteAuditAsync(actor, AuditActions.ClientSecretReset, reset, cancellationToken);
        return DirectoryOutcome<ClientWithSecret>.Success(new ClientWithSecret(reset, secret));
    }

    private static DirectoryOutcome<T> NameTaken<T>() =>
        DirectoryOutcome<T>.Invalid(DirectoryErrors.Field(Fields.Name, "a client with this name already exists"));

    /// <summary>Who did what to which client: its public fields only, never the secret or its digest.</summary>
    private Task WriteAuditAsync(Actor actor, string action, Client client, CancellationToken cancellationToken) =>
        audit.WriteAsync(new AuditEvent(
            time.GetUtcNow(),
            actor.Name,
            action,
            client.ClientId,
            new Dictionary<string, string?>
            {
                [Fields.Id] = client.Id.ToString(),
                [Fields.Name] = client.Name,
                [Fields.ClientType] = client.ClientType,
                [Fields.Scope] = client.Scope,
                [Fields.Redirects] = string.Join(' ', client.RedirectUris),
                [Fields.Introspect] = client.Introspect ? "true" : "false",
            },
            actor.RemoteAddress), cancellationToken);

    /// <summary>The JSON field names of spec §7, used for field errors and audit details.</summary>
    public static class Fields
    {
        public const string Id = "id";
        public const string ClientId = "clientId";
        public const string Name = "name";
        public const string Redirects = "redirects";
        public const string Scope = "scope";
        public const string ClientType = "clientType";
        public const string Introspect = "introspect";
    }
}
