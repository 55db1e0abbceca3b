using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data;

/// <summary>The schema this build needs. Bump <see cref="Required"/> with each migration the code relies on.</summary>
public static class SchemaVersion
{
    public const int Required = 2;

    private const string HasTableSql = "SELECT to_regclass('schema_migrations') IS NOT NULL";
    private const string AppliedSql = "SELECT coalesce(max(version), 0) FROM schema_migrations";

    /// <summary>The newest applied migration, 0 on an unmigrated database.</summary>
    public static async Task<int> GetAppliedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(HasTableSql, cancellationToken: cancellationToken))) return 0;
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(AppliedSql, cancellationToken: cancellationToken));
    }

    /// <summary>A one-line reason when the database is older than this build needs, else null.</summary>
    public static string? Describe(int applied) => applied >= Required
        ? null
        : $"the database schema is at version {applied} but this server needs {Required}: run scripts/migrate.sh against it first";
}
