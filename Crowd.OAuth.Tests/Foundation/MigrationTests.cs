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
    public async Task Migrate_0002_NumbersExistingPairsAndKeepsExactlyTheLivePairsLive()
    {
        var (uri, cs) = await TestDatabase.CreateEmptyDatabaseAsync();
        var dir = Directory.CreateTempSubdirectory("crowdoauth-migrations-").FullName;
        File.Copy(Path.Combine(Repo.Root, "db", "0001_initial_schema.sql"), Path.Combine(dir, "0001_initial_schema.sql"));
        Assert.That((await Shell.RunAsync(Script, [uri], new Dictionary<string, string?> { ["MIGRATIONS_DIR"] = dir })).ExitCode, Is.Zero);
        // Under 0001: chain A rotated once (a1 -> a2 live); grant B revoked with its pair; chain C with a
        // grace-window repeat (c1 rotated to c2, which the repeat revoked and replaced by c3, live).
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO users (id, username, display_name, password_hash, created_at, updated_at)
                VALUES ('00000000-0000-0000-0000-0000000000aa', 'u', 'U', 'x', now(), now());
                INSERT INTO clients (id, client_id, name, secret_hash, redirect_uris, scope, user_key, created_at, updated_at)
                VALUES ('00000000-0000-0000-0000-0000000000cc', repeat('a', 32), 'c', sha256('s'), '{https://app.example.test/cb}', 'USER', 'k', now(), now());
                INSERT INTO grants (id, client_pk, user_id, scope, created_at, revoked_at) VALUES
                    ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000cc', '00000000-0000-0000-0000-0000000000aa', 'USER', now(), NULL),
                    ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000cc', '00000000-0000-0000-0000-0000000000aa', 'USER', now(), now()),
                    ('00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-0000000000cc', '00000000-0000-0000-0000-0000000000aa', 'USER', now(), NULL);
                INSERT INTO token_pairs (id, grant_id, access_hash, refresh_hash, scope, created_at, access_expires_at, refresh_expires_at, rotated_at, replaced_by, revoked_at) VALUES
                    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000000a', sha256('a1a'), sha256('a1r'), 'USER', now() - interval '2 min', now() + interval '1 h', now() + interval '1 d', now() - interval '1 min', '00000000-0000-0000-0000-0000000000a2', NULL),
                    ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-00000000000a', sha256('a2a'), sha256('a2r'), 'USER', now() - interval '1 min', now() + interval '1 h', now() + interval '1 d', NULL, NULL, NULL),
                    ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-00000000000b', sha256('b1a'), sha256('b1r'), 'USER', now() - interval '2 min', now() + interval '1 h', now() + interval '1 d', NULL, NULL, now()),
                    ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-00000000000c', sha256('c1a'), sha256('c1r'), 'USER', now() - interval '3 min', now() + interval '1 h', now() + interval '1 d', now() - interval '2 min', '00000000-0000-0000-0000-0000000000c3', NULL),
                    ('00000000-0000-0000-0000-0000000000c2', '00000000-0000-0000-0000-00000000000c', sha256('c2a'), sha256('c2r'), 'USER', now() - interval '2 min', now() + interval '1 h', now() + interval '1 d', NULL, NULL, now() - interval '1 min'),
                    ('00000000-0000-0000-0000-0000000000c3', '00000000-0000-0000-0000-00000000000c', sha256('c3a'), sha256('c3r'), 'USER', now() - interval '1 min', now() + interval '1 h', now() + interval '1 d', NULL, NULL, NULL);
                """, connection);
            await cmd.ExecuteNonQueryAsync();
        }

        var result = await Shell.RunAsync(Script, [uri]);

        Assert.That(result.ExitCode, Is.Zero, result.StdErr);
        await using var check = new NpgsqlConnection(cs);
        await check.OpenAsync();
        await using var liveCmd = new NpgsqlCommand("""
            SELECT string_agg(p.generation || ':' || coalesce(p.rotated_from::text, '-'), ',' ORDER BY p.grant_id, p.generation),
                   (SELECT count(*) FROM token_pairs p JOIN grants g ON g.id = p.grant_id WHERE p.generation = g.generation AND g.revoked_at IS NULL),
                   (SELECT string_agg(g.generation::text, ',' ORDER BY g.id) FROM grants g)
            FROM token_pairs p
            """, check);
        await using var reader = await liveCmd.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True);
        // What the server treats as live after 0002 is the pair of its grant's generation, grant unrevoked.
        // a1 1, a2 2 from 1; b1 1; c1 1, c2 2, c3 3 from 1 (the repeat of c1's token)
        Assert.That(reader.GetString(0), Is.EqualTo("1:-,2:1,1:-,1:-,2:-,3:1"));
        Assert.That(reader.GetInt64(1), Is.EqualTo(2), "a2 and c3 live, nothing else");
        Assert.That(reader.GetString(2), Is.EqualTo("2,2,3"), "A at a2, B past its only (revoked) pair, C at c3");
        Directory.Delete(dir, recursive: true);
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
