using Crowd.OAuth.Tests.Infrastructure;
using Npgsql;

namespace Crowd.OAuth.Tests.Foundation;

/// <summary>scripts/migrate.sh against real, fresh databases.</summary>
public sealed class MigrationTests
{
    private static readonly string Script = Path.Combine(Repo.Root, "scripts", "migrate.sh");

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    private static string CopyMigrations()
    {
        var dir = Directory.CreateTempSubdirectory("crowdoauth-migrations-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "db"), "*.sql"))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }
        return dir;
    }

    [Test]
    public async Task Migrate_FreshDatabase_AppliesEveryFileAndRecordsChecksums()
    {
        var (uri, cs) = await TestDatabase.CreateEmptyDatabaseAsync();

        var result = await Shell.RunAsync(Script, [uri]);

        Assert.That(result.ExitCode, Is.Zero, result.StdErr);
        var files = Directory.GetFiles(Path.Combine(Repo.Root, "db"), "*.sql").Length;
        Assert.That(await CountAsync(cs, "SELECT count(*) FROM schema_migrations WHERE length(checksum) = 64"), Is.EqualTo(files));
        Assert.That(await CountAsync(cs, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'token_pairs'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Migrate_SecondRun_IsANoOp()
    {
        var (uri, cs) = await TestDatabase.CreateEmptyDatabaseAsync();
        await Shell.RunAsync(Script, [uri]);
        var appliedAt = await CountAsync(cs, "SELECT (extract(epoch FROM max(applied_at)) * 1000000)::bigint FROM schema_migrations");

        var second = await Shell.RunAsync(Script, [uri]);

        Assert.That(second.ExitCode, Is.Zero, second.StdErr);
        Assert.That(second.StdOut, Does.Contain("up to date"));
        Assert.That(await CountAsync(cs, "SELECT (extract(epoch FROM max(applied_at)) * 1000000)::bigint FROM schema_migrations"), Is.EqualTo(appliedAt));
    }

    [Test]
    public async Task Migrate_UsesPgEnvironmentVariables_WhenNoUriIsGiven()
    {
        var (_, cs) = await TestDatabase.CreateEmptyDatabaseAsync();
        var b = new NpgsqlConnectionStringBuilder(cs);

        var result = await Shell.RunAsync(Script, [], new Dictionary<string, string?>
        {
            ["PGHOST"] = b.Host, ["PGPORT"] = b.Port.ToString(), ["PGUSER"] = b.Username, ["PGPASSWORD"] = b.Password,
            ["PGDATABASE"] = b.Database, ["DATABASE_URL"] = null,
        });

        Assert.That(result.ExitCode, Is.Zero, result.StdErr);
        Assert.That(await CountAsync(cs, "SELECT count(*) FROM schema_migrations"), Is.GreaterThan(0));
    }

    [Test]
    public async Task Migrate_AppliedFileEdited_RefusesWithExit3AndNamesTheFile()
    {
        var (uri, _) = await TestDatabase.CreateEmptyDatabaseAsync();
        var dir = CopyMigrations();
        var env = new Dictionary<string, string?> { ["MIGRATIONS_DIR"] = dir };
        Assert.That((await Shell.RunAsync(Script, [uri], env)).ExitCode, Is.Zero);
        var first = Directory.GetFiles(dir, "*.sql").Order().First();
        await File.AppendAllTextAsync(first, "\n-- an innocent-looking edit\n");

        var result = await Shell.RunAsync(Script, [uri], env);

        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.StdErr, Does.Contain(Path.GetFileName(first)).And.Contain("edited"));
        Directory.Delete(dir, recursive: true);
    }

    [Test]
    public async Task Migrate_FailingFile_KeepsNothingOfItAndExits4()
    {
        var (uri, cs) = await TestDatabase.CreateEmptyDatabaseAsync();
        var dir = CopyMigrations();
        await File.WriteAllTextAsync(Path.Combine(dir, "9999_broken.sql"), "CREATE TABLE half_done (id int);\nSELECT no_such_function();\n");

        var result = await Shell.RunAsync(Script, [uri], new Dictionary<string, string?> { ["MIGRATIONS_DIR"] = dir });

        Assert.That(result.ExitCode, Is.EqualTo(4));
        Assert.That(await CountAsync(cs, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'"), Is.Zero);
        Assert.That(await CountAsync(cs, "SELECT count(*) FROM schema_migrations WHERE version = 9999"), Is.Zero);
        Directory.Delete(dir, recursive: true);
    }

    [Test]
    public async Task Migrate_UnreachableDatabase_ExitsWithOneLineReason()
    {
        var port = LocalCluster.FreePort();

        var result = await Shell.RunAsync(Script, [$"postgresql://postgres@127.0.0.1:{port}/nothing"]);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.StdErr, Does.StartWith("migrate: cannot reach the database"));
    }
}
