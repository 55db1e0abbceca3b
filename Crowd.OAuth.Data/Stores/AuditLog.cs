using System.Text.Json;
using Crowd.OAuth.Core.Auditing;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Crowd.OAuth.Data.Stores;

public sealed class AuditLog : IAuditLog
{
    private readonly NpgsqlDataSource _db;

    public AuditLog(NpgsqlDataSource db)
    {
        DapperSetup.EnsureConfigured();
        _db = db;
    }

    private const string InsertSql = """
        INSERT INTO audit_events (occurred_at, actor, action, target, details, remote_address)
        VALUES (@OccurredAt, @Actor, @Action, @Target, @Details, @RemoteAddress)
        """;

    public async Task WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new
        {
            auditEvent.OccurredAt, auditEvent.Actor, auditEvent.Action, auditEvent.Target, auditEvent.RemoteAddress,
        });
        parameters.Add("Details", new JsonbParameter(auditEvent.Details is null ? null : JsonSerializer.Serialize(auditEvent.Details)));
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, parameters, cancellationToken: cancellationToken));
    }

    private sealed class JsonbParameter(string? json) : SqlMapper.ICustomQueryParameter
    {
        public void AddParameter(System.Data.IDbCommand command, string name)
        {
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = (object?)json ?? DBNull.Value });
        }
    }
}
