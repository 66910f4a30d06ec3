using System.Globalization;
using System.Text.Json;

namespace PinSync.Bench.Report;

/// <summary>One measured benchmark case, read back from BenchmarkDotNet's full JSON export.</summary>
internal sealed record CaseResult(
    string Type,
    string Method,
    string Title,
    string Parameters,
    double MeanNs,
    double ErrorNs,
    double? AllocatedBytes,
    DateTime FileTimeUtc,
    string Job = "")
{
    /// <summary>Whether the case comes from a <c>--dry</c> run (one cold iteration: it measures nothing).</summary>
    public bool IsDry => Job == "Dry";
}

/// <summary>The host as BenchmarkDotNet described it.</summary>
internal sealed record HostInfo(string Processor, string Os, string Runtime, int LogicalCores, string BenchmarkDotNet);

/// <summary>Reads every <c>*-report-full.json</c> in a results directory (the latest file wins for a case).</summary>
internal static class BenchmarkResults
{
    internal static (List<CaseResult> Cases, HostInfo? Host) Read(string directory)
    {
        var cases = new Dictionary<(string, string, string), CaseResult>();
        HostInfo? host = null;
        var hostTime = DateTime.MinValue;
        foreach (var file in Directory.EnumerateFiles(directory, "*-report-full.json"))
        {
            var time = File.GetLastWriteTimeUtc(file);
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var root = doc.RootElement;
            if (root.TryGetProperty("HostEnvironmentInfo", out var h) && time > hostTime)
            {
                hostTime = time;
                host = new HostInfo(
                    Str(h, "ProcessorName"),
                    Str(h, "OsVersion"),
                    Str(h, "RuntimeVersion"),
                    h.TryGetProperty("LogicalCoreCount", out var cores) && cores.ValueKind == JsonValueKind.Number ? cores.GetInt32() : 0,
                    Str(h, "BenchmarkDotNetVersion"));
            }

            if (!root.TryGetProperty("Benchmarks", out var benchmarks))
            {
                continue;
            }

            foreach (var b in benchmarks.EnumerateArray())
            {
                if (!b.TryGetProperty("Statistics", out var stats) || stats.ValueKind != JsonValueKind.Object)
                {
                    continue; // failed case: no statistics
                }

                double? allocated = null;
                if (b.TryGetProperty("Memory", out var memory) && memory.ValueKind == JsonValueKind.Object
                    && memory.TryGetProperty("BytesAllocatedPerOperation", out var bytes) && bytes.ValueKind == JsonValueKind.Number)
                {
                    allocated = bytes.GetDouble();
                }

                var result = new CaseResult(
                    Str(b, "Type"),
                    Str(b, "Method"),
                    Str(b, "MethodTitle").Trim('\''),
                    Str(b, "Parameters"),
                    stats.GetProperty("Mean").GetDouble(),
                    stats.TryGetProperty("StandardError", out var se) && se.ValueKind == JsonValueKind.Number ? se.GetDouble() : 0,
                    allocated,
                    time,
                    JobOf(Str(b, "DisplayInfo")));
                var key = (result.Type, result.Method, result.Parameters);
                if (!cases.TryGetValue(key, out var old) || old.FileTimeUtc <= time)
                {
                    cases[key] = result;
                }
            }
        }

        return ([.. cases.Values], host);
    }

    /// <summary>The parameters of a case as a map ("Tasks=4&amp;Body=Yield").</summary>
    internal static Dictionary<string, string> ParseParameters(string parameters) =>
        parameters.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    internal static string FormatNs(double ns) => ns switch
    {
        >= 1_000_000 => (ns / 1_000_000).ToString("0.00", CultureInfo.InvariantCulture) + " ms",
        >= 10_000 => (ns / 1_000).ToString("0.0", CultureInfo.InvariantCulture) + " µs",
        >= 100 => ns.ToString("0", CultureInfo.InvariantCulture) + " ns",
        _ => ns.ToString("0.0", CultureInfo.InvariantCulture) + " ns",
    };

    internal static string FormatBytes(double? bytes) =>
        bytes is { } b ? b.ToString("0", CultureInfo.InvariantCulture) + " B" : "n/a";

    // "Type.'Title': Dry(Toolchain=…) [params]" → "Dry".
    private static string JobOf(string displayInfo) =>
        System.Text.RegularExpressions.Regex.Match(displayInfo, @"': (\w+)\(") is { Success: true } m ? m.Groups[1].Value : "";

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
}
