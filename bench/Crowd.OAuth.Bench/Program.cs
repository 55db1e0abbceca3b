using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crowd.OAuth.Bench;
using Npgsql;

// The closed-loop load generator of bench/run.sh. See bench/README.md.
//
//   Crowd.OAuth.Bench --base-url URL --credentials FILE --server-pid PID --postmaster-pid PID --pg CONNSTR
//                     [--scenarios refresh,bearer,code,invalid] [--concurrency 16,64] [--duration 20] [--warmup 3] [--first-warmup 10]
//                     [--reps 3] [--label NAME] [--roundtrip 200] --out FILE.json
//   Crowd.OAuth.Bench --table FILE.json
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var options = Options.Parse(args);
if (options.Get("table") is { } tableFile)
{
    Report.PrintTable(JsonNode.Parse(File.ReadAllText(tableFile))!.AsObject());
    return 0;
}
return await new Bench(options).RunAsync();

namespace Crowd.OAuth.Bench
{
    public sealed class Options(Dictionary<string, string> values)
    {
        public static Options Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument {args[i]}");
                values[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
            }
            return new Options(values);
        }

        public string? Get(string name) => values.GetValueOrDefault(name);
        public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");
        public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        public double Double(string name, double fallback) => Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        public string[] List(string name, string fallback) => (Get(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>One measured window of one scenario at one concurrency.</summary>
    public sealed record RunResult(
        string Label, string Scenario, int Concurrency, int Rep, double DurationS, long Requests, long Errors,
        Dictionary<string, long> ErrorKinds, double Throughput, double P50Ms, double P95Ms, double P99Ms, double MaxMs,
        double ServerCpuUsPerReq, double PgCpuUsPerReq, double PgSharePct, double BenchCpuUsPerReq,
        double ServerPeakRssMb, double ServerHwmMb, string LoadAvgStart, string LoadAvgEnd,
        double MachineBusyPct, double IoWaitPct, double StealPct,
        double? WalBytesPerReq, double? WalFpiPerReq, long? Checkpoints, double? AutovacuumPct);

    public sealed class Bench
    {
        private const int MaxIterationsPerWorker = 50_000_000;
        private readonly Options _o;
        private readonly Uri _base;
        private readonly ClientInfo _client;
        private readonly string _username;
        private readonly string _password;
        private readonly HttpClient _http;
        private readonly ProcStats _proc;
        private readonly NpgsqlDataSource? _pg;
        private readonly PgStats _pgStats;
        private readonly List<Browser> _sessions = [];
        private readonly string _label;
        private readonly CancellationToken _ct;

        public Bench(Options o)
        {
            _o = o;
            _base = new Uri(o.Require("base-url"));
            using var creds = JsonDocument.Parse(File.ReadAllText(o.Require("credentials")));
            var root = creds.RootElement;
            _client = new ClientInfo(root.GetProperty("ClientId").GetString()!, root.GetProperty("ClientSecret").GetString()!, "http://127.0.0.1/callback");
            _username = "admin";
            _password = root.GetProperty("AdminPassword").GetString()!;
            var workers = o.List("concurrency", "16,64").Select(int.Parse).Max();
            _http = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = workers * 2,
                PooledConnectionLifetime = TimeSpan.FromHours(1),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(30),
                UseCookies = false,
                AllowAutoRedirect = false,
                UseProxy = false,
                AutomaticDecompression = DecompressionMethods.None,
            }) { Timeout = TimeSpan.FromSeconds(30) };
            _proc = new ProcStats(o.Int("server-pid", 0), o.Int("postmaster-pid", 0));
            _pg = o.Get("pg") is { } pg ? NpgsqlDataSource.Create(pg) : null;
            _pgStats = new PgStats(_pg);
            _label = o.Get("label") ?? "baseline";
            var cts = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
            _ct = cts.Token;
        }

        public async Task<int> RunAsync()
        {
            var scenarios = _o.List("scenarios", "refresh,bearer,code,invalid");
            var concurrencies = _o.List("concurrency", "16,64").Select(int.Parse).ToArray();
            var duration = _o.Double("duration", 20);
            var warmup = _o.Double("warmup", 3);
            // The first repetition of each scenario and concurrency warms up longer: the server's JIT (tiered
            // compilation) and PostgreSQL's plan and buffer caches are still settling on a new code path.
            var firstWarmup = Math.Max(warmup, _o.Double("first-warmup", 10));
            var reps = _o.Int("reps", 3);
            var outFile = _o.Require("out");

            var results = File.Exists(outFile) ? JsonNode.Parse(File.ReadAllText(outFile))!.AsObject() : NewResults(duration, warmup, firstWarmup, reps, _o.Get("server-settings"));
            var runs = results["runs"]!.AsArray();

            // Seeding through the real endpoints: one logged-in session (login form + anti-forgery) per worker.
            var sw = Stopwatch.StartNew();
            for (var i = _sessions.Count; i < concurrencies.Max(); i++)
            {
                var b = new Browser(_http, _base, _client);
                await b.LogInAsync(_username, _password, _ct);
                _sessions.Add(b);
            }
            Console.WriteLine($"bench[{_label}]: {_sessions.Count} sessions logged in through /login in {sw.Elapsed.TotalSeconds:0.0} s");

            if (_o.Int("roundtrip", 0) is > 0 and var n && _pg is { } pg)
            {
                results["roundTrips"] ??= new JsonArray();
                foreach (var rt in await RoundTrips.MeasureAsync(pg, _sessions[0], _http, _base, n, _label, _ct)) results["roundTrips"]!.AsArray().Add(rt);
                Save(outFile, results);
            }

            foreach (var scenario in scenarios)
            {
                foreach (var concurrency in concurrencies)
                {
                    var workers = await PrepareAsync(scenario, concurrency);
                    if (await _pgStats.SettleAsync(_ct) is { } settled)
                    {
                        Console.WriteLine($"bench[{_label}]: {scenario,-8} c={concurrency,-3} database settled (VACUUM ANALYZE of the written tables, CHECKPOINT) in {settled.TotalSeconds:0.0} s");
                    }
                    for (var rep = 1; rep <= reps && !_ct.IsCancellationRequested; rep++)
                    {
                        var r = await MeasureAsync(scenario, concurrency, rep, workers, rep == 1 ? firstWarmup : warmup, duration);
                        Console.WriteLine($"bench[{_label}]: {scenario,-8} c={concurrency,-3} rep {rep}: {r.Throughput,9:0} /s  p50 {r.P50Ms,6:0.00} ms  p99 {r.P99Ms,7:0.00} ms  errors {r.Errors}" +
                            $"{(r.Errors > 0 ? " (" + string.Join(", ", r.ErrorKinds.Select(k => $"{k.Key} x{k.Value}")) + ")" : "")}  rss {r.ServerPeakRssMb:0} MB  load {r.LoadAvgStart}");
                        runs.Add(JsonSerializer.SerializeToNode(r));
                        Save(outFile, results);
                    }
                }
            }
            Report.PrintTable(results);
            return _ct.IsCancellationRequested ? 130 : 0;
        }

        private static JsonObject NewResults(double duration, double warmup, double firstWarmup, int reps, string? serverSettings) => new()
        {
            ["startedAt"] = DateTimeOffset.UtcNow.ToString("u"),
            ["machine"] = Machine.Describe(),
            ["serverSettings"] = serverSettings,
            ["durationS"] = duration,
            ["warmupS"] = warmup,
            ["firstWarmupS"] = firstWarmup,
            ["reps"] = reps,
            ["runs"] = new JsonArray(),
        };

        private static void Save(string file, JsonObject results) =>
            File.WriteAllText(file, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        /// <summary>What each worker holds: its session, and for refresh and bearer a pair from its own authorization.</summary>
        private sealed class WorkerState(Browser browser)
        {
            public Browser Browser { get; } = browser;
            public TokenPair? Pair { get; set; }
            public string[] Forged { get; set; } = [];
        }

        private async Task<WorkerState[]> PrepareAsync(string scenario, int concurrency)
        {
            var workers = _sessions.Take(concurrency).Select(b => new WorkerState(b)).ToArray();
            if (scenario is "refresh" or "bearer" or "invalid")
            {
                // Each worker's own chain: one whole authorization through the real endpoints.
                await Task.WhenAll(workers.Select(async w => w.Pair = await w.Browser.AuthorizeAsync("USER", _ct)));
            }
            if (scenario == "invalid")
            {
                var kid = Forgeries.KidOf(workers[0].Pair!.AccessToken);
                foreach (var w in workers) w.Forged = Forgeries.Make(kid, 256);
            }
            return workers;
        }

        private async Task<RunResult> MeasureAsync(string scenario, int concurrency, int rep, WorkerState[] workers, double warmup, double duration)
        {
            var freq = Stopwatch.Frequency;
            var start = Stopwatch.GetTimestamp();
            var windowStart = start + (long)(warmup * freq);
            var windowEnd = windowStart + (long)(duration * freq);
            var samples = new List<long>[workers.Length];
            var errors = new long[workers.Length];
            var errorKinds = new Dictionary<string, long>();
            var loadStart = ProcStats.LoadAverage();
            ProcStats.Snapshot? before = null, after = null;
            ProcStats.MachineTicks? machineBefore = null, machineAfter = null;
            PgStats.Reading? walBefore = null, walAfter = null;
            int autovacuumSamples = 0, autovacuumBusy = 0;
            double peakRss = 0;

            var sampler = Task.Run(async () =>
            {
                await DelayUntil(windowStart);
                before = _proc.Take();
                machineBefore = ProcStats.MachineTicks.Read();
                walBefore = await _pgStats.ReadAsync(_ct);
                for (var tick = 0; Stopwatch.GetTimestamp() < windowEnd && !_ct.IsCancellationRequested; tick++)
                {
                    peakRss = Math.Max(peakRss, _proc.ServerMemory().RssMb);
                    if (tick % 5 == 0 && await _pgStats.AutovacuumRunningAsync(_ct) is { } running)
                    {
                        autovacuumSamples++;
                        if (running) autovacuumBusy++;
                    }
                    await Task.Delay(200);
                }
                await DelayUntil(windowEnd);
                after = _proc.Take();
                machineAfter = ProcStats.MachineTicks.Read();
                walAfter = await _pgStats.ReadAsync(_ct);
                peakRss = Math.Max(peakRss, _proc.ServerMemory().RssMb);
            });

            var raw = _o.Get("http") != "httpclient";   // --http httpclient: the measured loop on HttpClient too
            var tasks = workers.Select((w, i) => Task.Run(async () =>
            {
                var list = samples[i] = new List<long>(1 << 16);
                var bearerUrl = new Uri(_base, Browser.MyselfPath);
                var forged = 0;
                using var connection = RawHttpConnection.For(_base);
                byte[]? bearerRequest = null;
                byte[][]? forgedRequests = null;
                for (var n = 0; n < MaxIterationsPerWorker && !_ct.IsCancellationRequested; n++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    if (t0 >= windowEnd) break;
                    string? error = null;
                    try
                    {
                        switch (scenario)
                        {
                            case "refresh" when raw:
                                var (refreshStatus, tokens) = await connection.SendAsync(connection.FormPost(Browser.TokenPath, w.Browser.RefreshForm(w.Pair!.RefreshToken)), _ct);
                                w.Pair = Browser.ReadTokens(refreshStatus, tokens.Span, "refresh");
                                break;
                            case "refresh":
                                w.Pair = await w.Browser.RefreshAsync(w.Pair!.RefreshToken, _ct);
                                break;
                            case "bearer" when raw:
                                bearerRequest ??= connection.BearerGet(Browser.MyselfPath, w.Pair!.AccessToken);
                                var (bearerStatus, _) = await connection.SendAsync(bearerRequest, _ct);
                                if (bearerStatus != 200) error = $"myself: {bearerStatus}";
                                break;
                            case "bearer":
                                var status = await Browser.MyselfAsync(_http, bearerUrl, w.Pair!.AccessToken, _ct);
                                if (status != HttpStatusCode.OK) error = $"myself: {(int)status}";
                                break;
                            case "code":
                                await w.Browser.AuthorizeAsync("USER", _ct);
                                break;
                            case "invalid" when raw:
                                forgedRequests ??= w.Forged.Select(f => connection.BearerGet(Browser.MyselfPath, f)).ToArray();
                                var (forgedStatus, _) = await connection.SendAsync(forgedRequests[forged++ % forgedRequests.Length], _ct);
                                if (forgedStatus != 401) error = $"forged: {forgedStatus}";
                                break;
                            case "invalid":
                                var refused = await Browser.MyselfAsync(_http, bearerUrl, w.Forged[forged++ % w.Forged.Length], _ct);
                                if (refused != HttpStatusCode.Unauthorized) error = $"forged: {(int)refused}";
                                break;
                            default:
                                throw new ArgumentException($"unknown scenario {scenario}");
                        }
                    }
                    catch (ProtocolFailure e) { error = e.Kind; }
                    catch (HttpRequestException e) { error = $"http: {e.HttpRequestError}"; }
                    catch (HttpIOException e) { error = $"http: {e.HttpRequestError}"; }
                    catch (System.Net.Sockets.SocketException e) { error = $"socket: {e.SocketErrorCode}"; }
                    catch (TaskCanceledException) when (!_ct.IsCancellationRequested) { error = "timeout"; }
                    var t1 = Stopwatch.GetTimestamp();
                    if (t0 >= windowStart)
                    {
                        if (error is null) list.Add((t1 - t0) * 1_000_000 / freq);
                        else
                        {
                            errors[i]++;
                            lock (errorKinds) errorKinds[error] = errorKinds.GetValueOrDefault(error) + 1;
                        }
                    }
                    // A broken refresh chain is replaced by a new authorization (counted as the error above).
                    if (error is not null && scenario == "refresh" && !_ct.IsCancellationRequested)
                    {
                        try { w.Pair = await w.Browser.AuthorizeAsync("USER", _ct); } catch (ProtocolFailure) { await Task.Delay(100); }
                    }
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            await sampler;

            var all = samples.SelectMany(s => s).ToArray();
            Array.Sort(all);
            var ok = all.Length;
            var errorCount = errors.Sum();
            var requests = ok + errorCount;
            var (serverCpu, pgCpu, selfCpu) = ProcStats.Delta(before!, after!);
            var mem = _proc.ServerMemory();
            double Pct(double p) => ok == 0 ? 0 : all[Math.Min(ok - 1, (int)Math.Ceiling(p * ok) - 1)] / 1000.0;
            double PerReq(double cpuSeconds) => requests == 0 ? 0 : cpuSeconds * 1e6 / requests;
            var (busy, iowait, steal) = ProcStats.MachineTicks.Between(machineBefore!, machineAfter!);
            double? WalPerReq(Func<PgStats.Reading, long> field) =>
                walBefore is null || walAfter is null || requests == 0 ? null : Math.Round((double)(field(walAfter) - field(walBefore)) / requests, 2);
            return new RunResult(_label, scenario, concurrency, rep, duration, requests, errorCount, errorKinds,
                ok / duration, Pct(0.50), Pct(0.95), Pct(0.99), ok == 0 ? 0 : all[^1] / 1000.0,
                PerReq(serverCpu), PerReq(pgCpu), serverCpu + pgCpu == 0 ? 0 : 100 * pgCpu / (serverCpu + pgCpu), PerReq(selfCpu),
                Math.Round(peakRss, 1), Math.Round(mem.HwmMb, 1), loadStart, ProcStats.LoadAverage(),
                Math.Round(busy, 1), Math.Round(iowait, 1), Math.Round(steal, 1),
                WalPerReq(r => r.Bytes), WalPerReq(r => r.FullPageImages), walBefore is null || walAfter is null ? null : walAfter.Checkpoints - walBefore.Checkpoints,
                autovacuumSamples == 0 ? null : Math.Round(100.0 * autovacuumBusy / autovacuumSamples));
        }

        private static async Task DelayUntil(long timestamp)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
        }
    }

    /// <summary>Well-formed HS256-looking JWS that must be refused: half a wrong signature under the real kid, half unknown kids.</summary>
    public static class Forgeries
    {
        /// <summary>The kid in a JWS's protected header.</summary>
        public static string KidOf(string token)
        {
            var header = token.Split('.')[0].Replace('-', '+').Replace('_', '/');
            header = header.PadRight(header.Length + (4 - header.Length % 4) % 4, '=');
            using var doc = JsonDocument.Parse(Convert.FromBase64String(header));
            return doc.RootElement.GetProperty("kid").GetString()!;
        }

        public static string[] Make(string realKid, int count) => Enumerable.Range(0, count).Select(i =>
        {
            var kid = i % 2 == 0 ? realKid : "k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var header = Browser.Base64Url(Encoding.UTF8.GetBytes($$"""{"alg":"HS256","kid":"{{kid}}","typ":"JWT"}"""));
            var payload = Browser.Base64Url(Encoding.UTF8.GetBytes($$"""{"id":"{{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}}"}"""));
            return $"{header}.{payload}.{Browser.Base64Url(RandomNumberGenerator.GetBytes(32))}";
        }).ToArray();
    }

    /// <summary>
    /// How many statements one request costs, from pg_stat_statements: reset, N sequential requests of
    /// one kind, read the counts (background statements of the server, if any ran meanwhile, are included).
    /// </summary>
    public static class RoundTrips
    {
        public static async Task<List<JsonNode>> MeasureAsync(NpgsqlDataSource db, Browser browser, HttpClient http, Uri baseUrl, int n, string label, CancellationToken ct)
        {
            var results = new List<JsonNode>();
            var myself = new Uri(baseUrl, Browser.MyselfPath);
            var pair = await browser.AuthorizeAsync("USER", ct);
            var forged = Forgeries.Make(Forgeries.KidOf(pair.AccessToken), n);

            async Task Measure(string kind, Func<int, Task> request)
            {
                await request(-1); // once before the reset: nothing first-time (key ring, pool) is counted
                await using (var reset = db.CreateCommand("SELECT pg_stat_statements_reset()")) await reset.ExecuteNonQueryAsync(ct);
                for (var i = 0; i < n; i++) await request(i);
                var top = new JsonArray();
                long total = 0;
                await using var read = db.CreateCommand("""
                    SELECT calls, regexp_replace(left(query, 90), '\s+', ' ', 'g') FROM pg_stat_statements
                    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                      AND query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE '%pg_database%'
                    ORDER BY calls DESC
                    """);
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    total += reader.GetInt64(0);
                    top.Add(new JsonObject { ["calls"] = reader.GetInt64(0), ["query"] = reader.GetString(1) });
                }
                var perRequest = (double)total / n;
                Console.WriteLine($"bench[{label}]: round trips: {kind,-8} {n} requests -> {total} statements = {perRequest:0.00} per request");
                foreach (var q in top) Console.WriteLine($"    {q!["calls"],6}  {q["query"]}");
                results.Add(new JsonObject { ["label"] = label, ["kind"] = kind, ["requests"] = n, ["statements"] = total, ["perRequest"] = perRequest, ["statementsSeen"] = top });
            }

            await Measure("bearer", async _ =>
            {
                if (await Browser.MyselfAsync(http, myself, pair.AccessToken, ct) != HttpStatusCode.OK) throw new ProtocolFailure("round trips: bearer refused");
            });
            await Measure("invalid", async i =>
            {
                if (await Browser.MyselfAsync(http, myself, forged[Math.Max(i, 0)], ct) != HttpStatusCode.Unauthorized) throw new ProtocolFailure("round trips: forged token accepted");
            });
            await Measure("refresh", async _ => pair = await browser.RefreshAsync(pair.RefreshToken, ct));
            await Measure("code", async _ => await browser.AuthorizeAsync("USER", ct));
            return results;
        }

    }

    public static class Machine
    {
        public static JsonObject Describe()
        {
            string Read(string path) { try { return File.ReadAllText(path); } catch (IOException) { return ""; } }
            var model = Read("/proc/cpuinfo").Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
            var memKb = Read("/proc/meminfo").Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] ?? "0";
            return new JsonObject
            {
                ["cpuModel"] = model,
                ["processors"] = Environment.ProcessorCount,
                ["memoryGb"] = Math.Round(long.Parse(memKb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1),
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            };
        }
    }
}
