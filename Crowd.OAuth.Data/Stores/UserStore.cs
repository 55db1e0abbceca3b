using Crowd.OAuth.Core.Directory;
using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data.Stores;

public sealed class UserStore : IUserStore
{
    private readonly NpgsqlDataSource _db;

    public UserStore(NpgsqlDataSource db)
    {
        DapperSetup.EnsureConfigured();
        _db = db;
    }

    private const string Columns = """
        id AS Id, username AS Username, display_name AS DisplayName, email AS Email, active AS Active,
        is_admin AS IsAdmin, password_hash AS PasswordHash, created_at AS CreatedAt
        """;

    private const string FindByUsernameSql = $"SELECT {Columns} FROM users WHERE lower(username) = lower(@username)";

    public async Task<User?> FindByUsernameAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(FindByUsernameSql, new { username }, cancellationToken: cancellationToken));
        return row?.ToUser();
    }

    private const string FindByIdSql = $"SELECT {Columns} FROM users WHERE id = @id";

    public async Task<User?> FindByIdAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(FindByIdSql, new { id }, cancellationToken: cancellationToken));
        return row?.ToUser();
    }

    private const string CreateSql = """
        INSERT INTO users (id, username, display_name, email, active, is_admin, password_hash, created_at, updated_at)
        VALUES (@Id, @Username, @DisplayName, @Email, @Active, @IsAdmin, @PasswordHash, @CreatedAt, @CreatedAt)
        ON CONFLICT DO NOTHING
        """;

    public async Task<bool> CreateAsync(User user, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(CreateSql, user, cancellationToken: cancellationToken)) == 1;
    }

    private const string SetActiveSql = "UPDATE users SET active = @active, updated_at = @now WHERE id = @id";

    public async Task<bool> SetActiveAsync(Guid id, bool active, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(SetActiveSql, new { id, active, now }, cancellationToken: cancellationToken)) == 1;
    }

    private const string SetPasswordHashSql = "UPDATE users SET password_hash = @passwordHash, updated_at = @now WHERE id = @id";

    public async Task<bool> SetPasswordHashAsync(Guid id, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(SetPasswordHashSql, new { id, passwordHash, now }, cancellationToken: cancellationToken)) == 1;
    }

    private sealed class UserRow
    {
        public Guid Id { get; init; }
        public string Username { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string Email { get; init; } = "";
        public bool Active { get; init; }
        public bool IsAdmin { get; init; }
        public string PasswordHash { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }

        public User ToUser() => new(Id, Username, DisplayName, Email, Active, IsAdmin, PasswordHash, CreatedAt);
    }
}
