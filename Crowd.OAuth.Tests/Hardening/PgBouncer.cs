using System.Diagnostics;
using System.Net.Sockets;
using Crowd.OAuth.Tests.Infrastructure;

namespace Crowd.OAuth.Tests.Hardening;

/// <summary>
/// PgBouncer in transaction pooling mode in front of a LocalCluster, as a process of the test on a
/// free loopback port (Debian's /usr/sbin/pgbouncer; scripts/test.sh installs it). It refuses to
/// run as root, so as root it runs as postgres.
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private PgBouncer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The server's connection string through the pooler (No Reset On Close is the server's default).</summary>
    /// <summary>As the README tells operators: no server-side prepared statements through PgBouncer 1.18.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=crowdoauth;Timeout=3;Command Timeout=5;Max Auto Prepare=0";

    public static string Executable => File.Exists("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : "pgbouncer";

    public static async Task<PgBouncer> StartAsync(LocalCluster cluster, int poolSize = 5)
    {
        var dir = Directory.CreateTempSubdirectory("crowdoauth-pgbouncer-").FullName;
        var port = LocalCluster.FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "userlist.txt"), "\"postgres\" \"\"\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "pgbouncer.ini"), $"""
            [databases]
            crowdoauth = host=127.0.0.1 port={cluster.Port} dbname=crowdoauth user=postgres

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {dir}/userlist.txt
            pool_mode = transaction
            default_pool_size = {poolSize}
            max_client_conn = 500
            ignore_startup_parameters = extra_float_digits,options
            logfile = {dir}/pgbouncer.log
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
            foreach (var file in Directory.GetFiles(dir)) File.SetUnixFileMode(file, (UnixFileMode)0b110_110_100);
        }

        var root = Environment.UserName == "root";
        var psi = new ProcessStartInfo(root ? "runuser" : Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (root)
        {
            foreach (var a in new[] { "-u", "postgres", "--", Executable }) psi.ArgumentList.Add(a);
        }
        psi.ArgumentList.Add(Path.Combine(dir, "pgbouncer.ini"));
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var bouncer = new PgBouncer(process, dir, port);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) break;
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                return bouncer;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        var log = bouncer.Log;
        await bouncer.DisposeAsync();
        throw new InvalidOperationException("pgbouncer did not start: " + log);
    }

    public string Log => File.Exists(Path.Combine(_dir, "pgbouncer.log")) ? File.ReadAllText(Path.Combine(_dir, "pgbouncer.log")) : "";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
