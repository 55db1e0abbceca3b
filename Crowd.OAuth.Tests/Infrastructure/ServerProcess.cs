using System.Collections.Concurrent;
using System.Diagnostics;

namespace Crowd.OAuth.Tests.Infrastructure;

/// <summary>
/// The real server, started as its own process on a free loopback port (several nodes, fault
/// injection, start-up refusals). Its output is kept for assertions.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }
    public Uri BaseAddress { get; }
    public string Output => string.Join('\n', _output);
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>The settings every test server gets unless the test overrides them.</summary>
    public static Dictionary<string, string?> DefaultEnvironment(string connectionString) => new()
    {
        ["CROWDOAUTH_ConnectionStrings__CrowdOAuth"] = connectionString,
        ["CROWDOAUTH_OAuth2Provider__BaseUrl"] = "https://crowd.example.test",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Logging__LogLevel__Default"] = "Information",
    };

    public static ServerProcess Start(IDictionary<string, string?> environment, params string[] extraArgs) =>
        Start(LocalCluster.FreePort(), environment, extraArgs);

    /// <summary>On a given port (for a BaseUrl that must name it).</summary>
    public static ServerProcess Start(int port, IDictionary<string, string?> environment, params string[] extraArgs)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Repo.ServerDll)!,
        };
        psi.ArgumentList.Add(Repo.ServerDll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var server = new ServerProcess(process, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until /health/live answers (or the process ends).</summary>
    public async Task WaitUntilLiveAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the server exited with {_process.ExitCode}: {Output}");
            try
            {
                if ((await http.GetAsync("/health/live")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("the server did not come up: " + Output);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        // Let the asynchronous readers drain.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public HttpClient CreateClient(bool followRedirects = false) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = followRedirects, UseCookies = false }) { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
