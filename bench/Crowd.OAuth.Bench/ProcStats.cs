using System.Globalization;

namespace Crowd.OAuth.Bench;

/// <summary>
/// CPU and memory of the server and of the PostgreSQL cluster, from /proc: utime+stime of
/// /proc/PID/stat (clock ticks), VmRSS and VmHWM of /proc/PID/status.
/// </summary>
public sealed class ProcStats(int serverPid, int postmasterPid)
{
    /// <summary>USER_HZ; 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)).</summary>
    public const double TicksPerSecond = 100.0;

    public sealed record Snapshot(long ServerTicks, Dictionary<int, long> PostgresTicks, long SelfTicks);

    public Snapshot Take() => new(CpuTicks(serverPid), PostgresProcesses().ToDictionary(p => p, CpuTicks), CpuTicks(Environment.ProcessId));

    /// <summary>CPU seconds between two snapshots: server, PostgreSQL (every process of the cluster), this load generator.</summary>
    public static (double Server, double Postgres, double Self) Delta(Snapshot a, Snapshot b)
    {
        var pg = b.PostgresTicks.Sum(kv => kv.Value - a.PostgresTicks.GetValueOrDefault(kv.Key, 0));
        return ((b.ServerTicks - a.ServerTicks) / TicksPerSecond, pg / TicksPerSecond, (b.SelfTicks - a.SelfTicks) / TicksPerSecond);
    }

    /// <summary>VmRSS and VmHWM of the server, in MB.</summary>
    public (double RssMb, double HwmMb) ServerMemory()
    {
        double rss = 0, hwm = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{serverPid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line) / 1024.0;
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line) / 1024.0;
            }
        }
        catch (IOException) { }
        return (rss, hwm);
    }

    private static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>The postmaster and its children (backends, checkpointer, WAL writer, …).</summary>
    private IEnumerable<int> PostgresProcesses()
    {
        if (postmasterPid <= 0) yield break;
        yield return postmasterPid;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            var fields = StatFields(pid);
            if (fields is not null && fields.Length > 1 && fields[1] == postmasterPid.ToString(CultureInfo.InvariantCulture)) yield return pid;
        }
    }

    /// <summary>The fields of /proc/PID/stat after the command name: [0] is field 3 (state), [1] ppid, [11] utime, [12] stime.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static long CpuTicks(int pid)
    {
        var f = StatFields(pid);
        return f is null || f.Length < 13 ? 0 : long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
    }

    /// <summary>The whole machine's CPU ticks from the first line of /proc/stat: busy (user, nice, system, irq, softirq), iowait, steal, and all.</summary>
    public sealed record MachineTicks(long Busy, long IoWait, long Steal, long Total)
    {
        public static MachineTicks Read()
        {
            try
            {
                var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                    .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                // user nice system idle iowait irq softirq steal (guest time is already in user)
                return new MachineTicks(f[0] + f[1] + f[2] + f[5] + f[6], f[4], f[7], f.Take(8).Sum());
            }
            catch (IOException) { return new MachineTicks(0, 0, 0, 0); }
        }

        /// <summary>Busy, iowait and steal as percentages of all the machine's CPU time between two readings.</summary>
        public static (double BusyPct, double IoWaitPct, double StealPct) Between(MachineTicks a, MachineTicks b)
        {
            var total = b.Total - a.Total;
            return total <= 0 ? (0, 0, 0) : (100.0 * (b.Busy - a.Busy) / total, 100.0 * (b.IoWait - a.IoWait) / total, 100.0 * (b.Steal - a.Steal) / total);
        }
    }

    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }
}
