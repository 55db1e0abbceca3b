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
            else if (key.Equals("target_session_attrs", StringComparison.OrdinalIgnoreCase)) builder.TargetSessionAttributes = val;
        }
        return builder;
    }

    /// <summary>
    /// The data source. Defaults bound every wait: 5 s to connect, 15 s per command, a pool of 100.
    /// Values given in the connection string win.
    /// <para>
    /// No Reset On Close is on: the server keeps no session state (no SET, temporary tables, advisory
    /// locks, LISTEN), so the DISCARD ALL Npgsql would otherwise send with the next command of every
    /// pooled connection is pure cost (it doubled the statements of a bearer check; bench/README.md).
    /// </para>
    /// <para>
    /// Max Auto Prepare is 20: the hot statements (bearer lookup, rotation, client lookup) become
    /// server-side prepared statements, which removes most of PostgreSQL's parse and plan work per
    /// request (bench/README.md). Behind PgBouncer in transaction mode older than 1.21 (Debian 12 ships
    /// 1.18) say <c>Max Auto Prepare=0</c> in the connection string: prepared statements do not survive
    /// its connection switching.
    /// </para>
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = ParseConnectionString(connectionString);
        var given = GivenKeys(builder.ConnectionString);
        if (!given.Contains("timeout")) builder.Timeout = 5;
        if (!given.Contains("commandtimeout")) builder.CommandTimeout = 15;
        if (!given.Contains("maximumpoolsize") && !given.Contains("maxpoolsize")) builder.MaxPoolSize = 100;
        if (!given.Contains("noresetonclose")) builder.NoResetOnClose = true;
        if (!given.Contains("maxautoprepare")) builder.MaxAutoPrepare = 20;
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "crowd-oauth";
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    /// <summary>The keys a connection string sets, lower case without spaces ("Command Timeout" → "commandtimeout").</summary>
    private static HashSet<string> GivenKeys(string connectionString)
    {
        var generic = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return generic.Keys.Cast<string>().Select(k => k.Replace(" ", "").ToLowerInvariant()).ToHashSet();
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
