using System.Net;
using System.Net.Sockets;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of the test's own, which the test may stop, restart and start again
/// (fault injection). Made with scripts/lib/pg.sh, migrated with scripts/migrate.sh.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string _dir;

    private LocalCluster(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }
    public string DataDirectory => Path.Combine(_dir, "pg");
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=crowdoauth;Timeout=3;Command Timeout=5";
    public string Uri => $"postgresql://postgres@127.0.0.1:{Port}/crowdoauth";

    public static async Task<LocalCluster> StartAsync(bool migrate = true)
    {
        var dir = Directory.CreateTempSubdirectory("crowdoauth-cluster-").FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var cluster = new LocalCluster(dir, FreePort());
        await cluster.PgAsync($"pg_init '{cluster.DataDirectory}'");
        await cluster.StartServerAsync();
        await cluster.PgAsync($"psql -X -q -h 127.0.0.1 -p {cluster.Port} -U postgres -d postgres -c 'CREATE DATABASE crowdoauth'");
        if (migrate)
        {
            var result = await Shell.RunAsync(Path.Combine(Repo.Root, "scripts", "migrate.sh"), [cluster.Uri]);
            if (result.ExitCode != 0) throw new InvalidOperationException("migrate failed: " + result.StdErr);
        }
        return cluster;
    }

    public Task StartServerAsync() =>
        PgAsync($"pg_start '{DataDirectory}' {Port} '-c fsync=off -c max_connections=200'");

    public Task StopServerAsync() => PgAsync($"pg_stop '{DataDirectory}'");

    /// <summary><c>pg_ctl restart -m fast</c>.</summary>
    public Task RestartServerAsync() =>
        PgAsync($"as_pg \"$(pg_bin pg_ctl)\" -D '{DataDirectory}' -m fast -w restart >/dev/null");

    private async Task PgAsync(string script)
    {
        var lib = Path.Combine(Repo.Root, "scripts", "lib", "pg.sh");
        var result = await Shell.RunAsync("bash", ["-c", $"set -e; . '{lib}'; {script}"]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"'{script}' failed: {result.StdErr}{result.StdOut}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServerAsync();
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
