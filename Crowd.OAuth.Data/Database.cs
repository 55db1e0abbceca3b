using System.Net.Sockets;
using Npgsql;

namespace Crowd.OAuth.Data;

/// <summary>Builds the one <see cref="NpgsqlDataSource"/> the server uses, with bounded timeouts.</summary>
public static class Database
{
    /// <summary>
    /// Accepts an Npgsql connection string ("Host=…;Database=…") or a URI
    /// ("postgresql://user:pass@host:port/db"), the form psql and scripts/migrate.sh take.
    /// </summary>
    public static NpgsqlConnectionStringBuilder ParseConnectionString(string value)
    {
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) &&
            !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new NpgsqlConnectionStringBuilder(value);
        }

        var uri = new Uri(value);
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']') };
        if (uri.Port > 0) builder.Port = uri.Port;
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase)) builder.SslMode = Enum.Parse<SslMode>(val, ignoreCase: true);
            else if (key.Equals("application_name", StringComparison.OrdinalIgnoreCase)) builder.ApplicationName = val;
        }
        return builder;
    }

    /// <summary>
    /// The data source. Defaults bound every wait: 5 s to connect, 15 s per command, a pool of 100;
    /// pooled connections are not reset (see below).
    /// Values given in the connection string win.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = ParseConnectionString(connectionString);
        var given = new NpgsqlConnectionStringBuilder(builder.ConnectionString);
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase)) builder.Timeout = 5;
        if (!connectionString.Contains("Command Timeout", StringComparison.OrdinalIgnoreCase)) builder.CommandTimeout = 15;
        if (!connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase)) builder.MaxPoolSize = 100;
        if (string.IsNullOrEmpty(given.ApplicationName)) builder.ApplicationName = "crowd-oauth";
        // The server sets no session state (no SET, temporary table, advisory lock, LISTEN or prepared
        // statement), and Npgsql rolls back any open transaction when a connection returns to the pool, so the
        // DISCARD ALL Npgsql otherwise sends with the next command of every pooled connection is pure cost:
        // it doubled the statements of a bearer check and cost PostgreSQL about 30% of its CPU per request
        // (bench/README.md). A connection string that says "No Reset On Close=false" gets it back.
        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase)) builder.NoResetOnClose = true;
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    /// <summary>True when <paramref name="exception"/> means the database cannot be reached now (worth a 503).</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" or "08006" or "08001" or "08003" } => true,
        NpgsqlException { InnerException: SocketException or IOException or TimeoutException } => true,
        TimeoutException => true,
        SocketException => true,
        InvalidOperationException { Message: var m } when m.Contains("connection", StringComparison.OrdinalIgnoreCase) => true,
        _ when exception.InnerException is { } inner && inner != exception => IsUnavailable(inner),
        _ => false,
    };
}
