using System.Diagnostics;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL the tests run on: CROWD_OAUTH_TEST_DB when set (scripts/test.sh sets it, on a
/// throwaway cluster migrated with scripts/migrate.sh), else a Testcontainers.PostgreSql container
/// (machines with a Docker engine), migrated with the same script.
/// Started on first use of <see cref="ConnectionString"/> or <see cref="DataSource"/> (once, for every test),
/// so tests that need no database (Category=Traceability) run on a machine without one.
/// </summary>
public static class TestDatabase
{
    private static PostgreSqlContainer? _container;
    private static NpgsqlDataSource? _dataSource;
    private static string _connectionString = "";

    // Task.Run: the start-up's continuations never need the caller's thread, so waiting on it cannot deadlock.
    private static readonly Lazy<Task> Started = new(() => Task.Run(StartCoreAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ConnectionString
    {
        get
        {
            EnsureStarted();
            return _connectionString;
        }
    }

    public static NpgsqlDataSource DataSource
    {
        get
        {
            EnsureStarted();
            return _dataSource ?? throw new InvalidOperationException("the test database is not set up");
        }
    }

    /// <summary>Starts the database unless it is started already; a failed start fails every later use the same way.</summary>
    public static Task StartAsync() => Started.Value;

    private static void EnsureStarted() => Started.Value.GetAwaiter().GetResult();

    private static async Task StartCoreAsync()
    {
        var given = Environment.GetEnvironmentVariable("CROWD_OAUTH_TEST_DB");
        if (!string.IsNullOrEmpty(given))
        {
            _connectionString = given;
        }
        else
        {
            _container = new PostgreSqlBuilder("postgres:15").Build();
            await _container.StartAsync();
            var builder = new NpgsqlConnectionStringBuilder(_container.GetConnectionString());
            var uri = $"postgresql://{builder.Username}:{builder.Password}@{builder.Host}:{builder.Port}/{builder.Database}";
            var migrate = await Shell.RunAsync(Path.Combine(Repo.Root, "scripts", "migrate.sh"), [uri]);
            if (migrate.ExitCode != 0) throw new InvalidOperationException($"migrating the container failed: {migrate.StdErr}");
            _connectionString = _container.GetConnectionString();
        }
        _dataSource = NpgsqlDataSource.Create(_connectionString);
    }

    /// <summary>Stops what was started; nothing when no test used the database.</summary>
    public static async Task StopAsync()
    {
        if (!Started.IsValueCreated) return;
        try
        {
            await Started.Value;
        }
        catch (Exception)
        {
            // The start failed; the tests that needed it have reported why. Release whatever got made.
        }
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        if (_container is not null) await _container.DisposeAsync();
    }

    /// <summary>A new, empty database on the same server, for tests that migrate from scratch. Returns its URI and connection string.</summary>
    public static async Task<(string Uri, string ConnectionString)> CreateEmptyDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var cmd = DataSource.CreateCommand($"CREATE DATABASE {name}"))
        {
            await cmd.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name };
        var password = string.IsNullOrEmpty(builder.Password) ? "" : ":" + Uri.EscapeDataString(builder.Password);
        return ($"postgresql://{Uri.EscapeDataString(builder.Username!)}{password}@{builder.Host}:{builder.Port}/{name}", builder.ConnectionString);
    }
}

/// <summary>Where the repository is, and which build of the server the tests use.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CrowdOAuth.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("CrowdOAuth.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The build configuration the tests were built in (Debug or Release).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string ServerDll => Path.Combine(Root, "Crowd.OAuth.Api", "bin", Configuration, "net10.0", "Crowd.OAuth.Api.dll");
}

public sealed record ShellResult(int ExitCode, string StdOut, string StdErr);

public static class Shell
{
    public static async Task<ShellResult> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string?>? environment = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>()) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in time");
        }
        return new ShellResult(process.ExitCode, await stdout, await stderr);
    }
}
