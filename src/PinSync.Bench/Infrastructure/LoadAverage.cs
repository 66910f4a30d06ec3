using System.Globalization;

namespace PinSync.Bench.Infrastructure;

/// <summary>The machine's load average (Linux <c>/proc/loadavg</c>), recorded beside every measurement so that a
/// figure taken on a busy shared machine says so.</summary>
internal static class LoadAverage
{
    /// <summary>The 1-, 5- and 15-minute load averages, or <see langword="null"/> where the OS does not report them.</summary>
    internal static (double One, double Five, double Fifteen)? Read()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (Parse(parts[0]), Parse(parts[1]), Parse(parts[2]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or FormatException)
        {
            return null;
        }

        static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    }

    /// <summary>CPU time in clock ticks since boot: busy (all CPUs, every process) and total (busy + idle), from the
    /// first line of <c>/proc/stat</c>; and this process's own user + system time (<c>/proc/self/stat</c>).
    /// <see langword="null"/> where the OS does not report them.</summary>
    internal static (long Busy, long Total, long Own)? ReadCpuTicks()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Field(int i) => i < cpu.Length ? long.Parse(cpu[i], CultureInfo.InvariantCulture) : 0;

            // cpu user nice system idle iowait irq softirq steal
            var busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
            var total = busy + Field(4) + Field(5);
            var self = File.ReadAllText("/proc/self/stat");
            var after = self[(self.LastIndexOf(')') + 2)..].Split(' ');

            // Fields 14 and 15 of /proc/self/stat (utime, stime) are the 12th and 13th after the command name.
            var own = long.Parse(after[11], CultureInfo.InvariantCulture) + long.Parse(after[12], CultureInfo.InvariantCulture);
            return (busy, total, own);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or FormatException
            or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The 1-minute load average as text ("n/a" where unknown).</summary>
    internal static string OneMinuteText() =>
        Read() is { } load ? load.One.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
}
