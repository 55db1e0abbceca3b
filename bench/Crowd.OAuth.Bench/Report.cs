using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Crowd.OAuth.Bench;

/// <summary>The table of medians (over repetitions) and the figures of issue 8.</summary>
public static class Report
{
    private sealed record Row(string Label, string Scenario, int Concurrency, int Reps, double Throughput, double P50, double P95, double P99,
        double Max, long Errors, double ServerCpu, double PgCpu, double PgShare, double Rss, string Load,
        double Busy, double IoWait, double Steal, double? WalBytes, double? WalFpi, long? Checkpoints, double? Autovacuum);

    public static void PrintTable(JsonObject results)
    {
        var runs = results["runs"]!.AsArray().Select(r => r!.AsObject()).ToList();
        var rows = runs
            .GroupBy(r => (Label: (string)r["Label"]!, Scenario: (string)r["Scenario"]!, Concurrency: (int)r["Concurrency"]!))
            .Select(g => new Row(g.Key.Label, g.Key.Scenario, g.Key.Concurrency, g.Count(),
                Median(g, "Throughput"), Median(g, "P50Ms"), Median(g, "P95Ms"), Median(g, "P99Ms"), Median(g, "MaxMs"),
                g.Sum(r => (long)r["Errors"]!), Median(g, "ServerCpuUsPerReq"), Median(g, "PgCpuUsPerReq"), Median(g, "PgSharePct"),
                g.Max(r => (double)r["ServerPeakRssMb"]!), (string)g.First()["LoadAvgStart"]!,
                Median(g, "MachineBusyPct"), Median(g, "IoWaitPct"), Median(g, "StealPct"),
                MedianOrNull(g, "WalBytesPerReq"), MedianOrNull(g, "WalFpiPerReq"),
                g.Any(r => r["Checkpoints"] is not null) ? g.Sum(r => (long?)r["Checkpoints"] ?? 0) : null,
                MedianOrNull(g, "AutovacuumPct")))
            .ToList();

        var baseline = rows.Where(r => r.Label == rows[0].Label).ToDictionary(r => (r.Scenario, r.Concurrency));
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine($"Medians of {rows.Select(r => r.Reps).DefaultIfEmpty(0).Max()} repetition(s) of {results["durationS"]} s after {results["warmupS"]} s warm-up ({results["firstWarmupS"] ?? results["warmupS"]} s before each first repetition); CPU per request in µs; busy/iowait/steal = the machine's CPU over the window; WAL = bytes and full-page images written per request, ckpt = checkpoints started in the repetitions, autovac = share of the window an autovacuum worker ran (each scenario starts after VACUUM ANALYZE and CHECKPOINT); load = 1/5/15-min load average at the first repetition's start.");
        sb.AppendLine();
        sb.AppendLine("| run | scenario | conc | req/s | Δ vs first | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU µs/req | PG CPU µs/req | PG share | server peak RSS MB | busy/iowait/steal % | WAL B/req | FPI/req | ckpt | autovac | load |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var delta = r.Label != rows[0].Label && baseline.TryGetValue((r.Scenario, r.Concurrency), out var b) && b.Throughput > 0
                ? $"{100 * (r.Throughput / b.Throughput - 1):+0.0;-0.0}%" : "";
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Label} | {r.Scenario} | {r.Concurrency} | {r.Throughput:0} | {delta} | {r.P50:0.00} | {r.P95:0.00} | {r.P99:0.00} | {r.Max:0.0} | {r.Errors} | {r.ServerCpu:0} | {r.PgCpu:0} | {r.PgShare:0}% | {r.Rss:0} | {r.Busy:0}/{r.IoWait:0}/{r.Steal:0} | {Fmt(r.WalBytes)} | {Fmt(r.WalFpi, "0.00")} | {r.Checkpoints?.ToString(CultureInfo.InvariantCulture) ?? "-"} | {(r.Autovacuum is { } av ? $"{av:0}%" : "-")} | {r.Load} |"));
        }
        if (results["roundTrips"] is JsonArray trips && trips.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Statements per request (pg_stat_statements, sequential requests):");
            foreach (var t in trips) sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {t!["label"]}: {t["kind"],-8} {(double)t["perRequest"]!:0.00}"));
        }
        sb.AppendLine();
        sb.AppendLine("Figures of issue 8 (concurrency 16 unless said):");
        foreach (var label in rows.Select(r => r.Label).Distinct())
        {
            Row? Find(string s, int c) => rows.FirstOrDefault(r => r.Label == label && r.Scenario == s && r.Concurrency == c);
            void Check(string what, bool? met) => sb.AppendLine($"  [{label}] {what}: {(met is null ? "not run" : met.Value ? "MET" : "MISSED")}");
            var refresh = Find("refresh", 16);
            Check($"refresh >= 2500/s, p99 < 15 ms, 0 errors ({Fmt(refresh?.Throughput)}/s, p99 {Fmt(refresh?.P99, "0.00")} ms, {refresh?.Errors} errors)",
                refresh is null ? null : refresh.Throughput >= 2500 && refresh.P99 < 15 && refresh.Errors == 0);
            var bearer = Find("bearer", 16);
            Check($"bearer >= 8000/s, p99 < 5 ms ({Fmt(bearer?.Throughput)}/s, p99 {Fmt(bearer?.P99, "0.00")} ms)",
                bearer is null ? null : bearer.Throughput >= 8000 && bearer.P99 < 5 && bearer.Errors == 0);
            var code = Find("code", 16);
            Check($"code flow >= 400/s ({Fmt(code?.Throughput)}/s)", code is null ? null : code.Throughput >= 400 && code.Errors == 0);
            var invalid = Find("invalid", 16);
            Check($"invalid >= 20000/s ({Fmt(invalid?.Throughput)}/s)", invalid is null ? null : invalid.Throughput >= 20000 && invalid.Errors == 0);
            var at64 = rows.Where(r => r.Label == label && r.Concurrency == 64).ToList();
            Check($"server working set < 250 MB at concurrency 64 (peak {Fmt(at64.Count == 0 ? null : at64.Max(r => r.Rss))} MB)",
                at64.Count == 0 ? null : at64.Max(r => r.Rss) < 250);
            if (label != rows[0].Label)
            {
                // The figures must hold at scale: each scenario within 10% of the first run's throughput.
                foreach (var scenario in new[] { "refresh", "bearer", "code", "invalid" })
                {
                    var now = Find(scenario, 16);
                    if (now is null || !baseline.TryGetValue((scenario, 16), out var first) || first.Throughput <= 0) continue;
                    var change = 100 * (now.Throughput / first.Throughput - 1);
                    Check(string.Create(CultureInfo.InvariantCulture, $"{scenario} within 10% of [{rows[0].Label}] ({change:+0.0;-0.0}%)"), change >= -10);
                }
            }
            if (results["roundTrips"] is JsonArray measured)
            {
                foreach (var kind in new[] { "refresh", "bearer" })
                {
                    var trip = measured.FirstOrDefault(t => (string?)t!["label"] == label && (string?)t["kind"] == kind);
                    // pg_stat_statements also counts the odd background statement (a throttle read, one DISCARD ALL):
                    // a hundredth over one per request is that, a second statement per request would be 2.00
                    if (trip is not null) Check(string.Create(CultureInfo.InvariantCulture, $"{kind}: at most one round trip ({(double)trip["perRequest"]!:0.00} statements per request)"), (double)trip["perRequest"]! < 1.05);
                }
            }
        }
        Console.WriteLine(sb.ToString());
    }

    private static string Fmt(double? value, string format = "0") => value is null ? "-" : value.Value.ToString(format, CultureInfo.InvariantCulture);

    private static double? MedianOrNull(IEnumerable<JsonObject> runs, string field) =>
        runs.Any(r => r[field] is not null) ? Median(runs.Where(r => r[field] is not null), field) : null;

    private static double Median(IEnumerable<JsonObject> runs, string field)
    {
        // older result files lack the newer fields: those count as 0
        var values = runs.Select(r => (double?)r[field] ?? 0).Order().ToArray();
        return values.Length == 0 ? 0 : values.Length % 2 == 1 ? values[values.Length / 2] : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
    }
}
