using Crowd.OAuth.Core.Directory;
using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data.Stores;

public sealed class ClientStore : IClientStore
{
    private readonly NpgsqlDataSource _db;

    public ClientStore(NpgsqlDataSource db)
    {
        DapperSetup.EnsureConfigured();
        _db = db;
    }

    private const string Columns = """
        id AS Id, client_id AS ClientId, name AS Name, client_type AS ClientType, secret_hash AS SecretHash,
        redirect_uris AS RedirectUris, scope AS Scope, introspect AS Introspect, user_key AS UserKey, created_at AS CreatedAt
        """;

    private const string FindByClientIdSql = $"SELECT {Columns} FROM clients WHERE client_id = @clientId";

    public async Task<Client?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ClientRow>(new CommandDefinition(FindByClientIdSql, new { clientId }, cancellationToken: cancellationToken));
        return row?.ToClient();
    }

    private const string FindByIdSql = $"SELECT {Columns} FROM clients WHERE id = @id";

    public async Task<Client?> FindByIdAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ClientRow>(new CommandDefinition(FindByIdSql, new { id }, cancellationToken: cancellationToken));
        return row?.ToClient();
    }

    private const string ListSql = $"SELECT {Columns} FROM clients ORDER BY lower(name), id";

    public async Task<IReadOnlyList<Client>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ClientRow>(new CommandDefinition(ListSql, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToClient()).ToList();
    }

    private const string CreateSql = """
        INSERT INTO clients (id, client_id, name, client_type, secret_hash, redirect_uris, scope, introspect, user_key, created_at, updated_at)
        VALUES (@Id, @ClientId, @Name, @ClientType, @SecretHash, @RedirectUris, @Scope, @Introspect, @UserKey, @CreatedAt, @CreatedAt)
        ON CONFLICT (name) DO NOTHING
        """;

    public async Task<ClientWriteResult> CreateAsync(Client client, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(CreateSql, ClientRow.From(client), cancellationToken: cancellationToken));
        return inserted == 1 ? ClientWriteResult.Done : ClientWriteResult.NameTaken;
    }

    private const string UpdateSql = """
        UPDATE clients SET name = @Name, redirect_uris = @RedirectUris, scope = @Scope, introspect = @Introspect, updated_at = @now
        WHERE id = @Id
        """;

    public async Task<ClientWriteResult> UpdateAsync(Client client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        try
        {
            var row = ClientRow.From(client);
            var updated = await connection.ExecuteAsync(new CommandDefinition(UpdateSql,
                new { row.Id, row.Name, row.RedirectUris, row.Scope, row.Introspect, now }, cancellationToken: cancellationToken));
            return updated == 1 ? ClientWriteResult.Done : ClientWriteResult.NotFound;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return ClientWriteResult.NameTaken;
        }
    }

    // ON DELETE CASCADE takes the client's grants, codes and token pairs in this same statement.
    private const string DeleteSql = $"DELETE FROM clients WHERE id = @id RETURNING {Columns}";

    public async Task<Client?> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ClientRow>(new CommandDefinition(DeleteSql, new { id }, cancellationToken: cancellationToken));
        return row?.ToClient();
    }

    private const string SetSecretHashSql = """
        UPDATE clients SET secret_hash = @secretHash, updated_at = @now
        WHERE client_id = @clientId AND client_type = 'confidential'
        """;

    public async Task<bool> SetSecretHashAsync(string clientId, byte[] secretHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(SetSecretHashSql, new { clientId, secretHash, now }, cancellationToken: cancellationToken)) == 1;
    }

    private sealed class ClientRow
    {
        public Guid Id { get; init; }
        public string ClientId { get; init; } = "";
        public string Name { get; init; } = "";
        public string ClientType { get; init; } = "";
        public byte[]? SecretHash { get; init; }
        public string[] RedirectUris { get; init; } = [];
        public string Scope { get; init; } = "";
        public bool Introspect { get; init; }
        public string UserKey { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }

        public Client ToClient() => new(Id, ClientId, Name, ClientType, SecretHash, RedirectUris, Scope, Introspect, UserKey, CreatedAt);

        public static ClientRow From(Client c) => new()
        {
            Id = c.Id, ClientId = c.ClientId, Name = c.Name, ClientType = c.ClientType, SecretHash = c.SecretHash,
            RedirectUris = c.RedirectUris.ToArray(), Scope = c.Scope, Introspect = c.Introspect, UserKey = c.UserKey, CreatedAt = c.CreatedAt,
        };
    }
}
