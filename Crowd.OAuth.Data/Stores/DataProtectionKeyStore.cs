using Dapper;
using Npgsql;

namespace Crowd.OAuth.Data.Stores;

/// <summary>Rows of the Data Protection key ring; the Api wraps this in an IXmlRepository.</summary>
public sealed class DataProtectionKeyStore(NpgsqlDataSource db)
{
    private const string AllSql = "SELECT xml FROM data_protection_keys ORDER BY id";

    public IReadOnlyList<string> GetAll()
    {
        using var connection = db.OpenConnection();
        return connection.Query<string>(AllSql).ToList();
    }

    private const string StoreSql = """
        INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@friendlyName, @xml)
        ON CONFLICT (friendly_name) DO UPDATE SET xml = excluded.xml
        """;

    public void Store(string friendlyName, string xml)
    {
        using var connection = db.OpenConnection();
        connection.Execute(StoreSql, new { friendlyName, xml });
    }
}
