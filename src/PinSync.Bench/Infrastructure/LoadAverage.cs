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

    /// <summary>The 1-minute load average as text ("n/a" where unknown).</summary>
    internal static string OneMinuteText() =>
        Read() is { } load ? load.One.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
}
