using System.Globalization;
using System.Text;

namespace PinSync.Bench.Report;

/// <summary>One host's median on one runtime workload, as <c>src/PinSync.Bench.Orleans</c> measured it.</summary>
/// <param name="Workload">The workload (the same four as the runtime benchmarks: 64 callers × 16 grains, grain →
/// grain, one sequential caller, [Reentrant]).</param>
/// <param name="Host">"PinSync (30 s timeout)", "PinSync (no timeout)" or "Orleans 10.4.2".</param>
/// <param name="CallsPerSecond">Median calls per second over the interleaved rounds.</param>
/// <param name="NsPerCall">Its inverse, in nanoseconds per call.</param>
/// <param name="BytesPerCall">Median bytes allocated per call, process-wide (Orleans' background work included).</param>
/// <param name="FastestNs">The fastest round, in ns per call.</param>
/// <param name="SlowestNs">The slowest round, in ns per call.</param>
internal sealed record OrleansRow(string Workload, string Host, double CallsPerSecond, double NsPerCall, double BytesPerCall,
    double FastestNs, double SlowestNs)
{
    /// <summary>Whether the host is Orleans (the peer) rather than PinSync.Runtime.</summary>
    public bool IsOrleans => Host.StartsWith("Orleans", StringComparison.Ordinal);

    /// <summary>Whether the host is PinSync.Runtime with its default (finite) request timeout: the row judged.</summary>
    public bool IsDefaultPinSync => Host.StartsWith("PinSync", StringComparison.Ordinal) && Host.Contains("30 s", StringComparison.Ordinal);

    /// <summary>Whether the workload is one local call per operation (the ≤ 100 B per call goal of issue 15).</summary>
    public bool IsOneLocalCall => !Workload.StartsWith("grain -> grain", StringComparison.Ordinal);
}

/// <summary>
/// The runtime benchmarks' Orleans column (issues 13 and 15): <c>orleans-column.tsv</c>, which
/// <c>dotnet run -c Release --project src/PinSync.Bench.Orleans -- [rounds] [results dir]</c> writes. Orleans runs
/// in a process of its own (its code generator's Roslyn and BenchmarkDotNet's cannot share one), with PinSync.Runtime
/// interleaved round by round in the same process, so this column is compared within its own run.
/// </summary>
/// <param name="Utc">When the run started.</param>
/// <param name="Rounds">Interleaved rounds per workload.</param>
/// <param name="Cores">Logical cores of the machine.</param>
/// <param name="LoadBefore">1-minute load average before the run.</param>
/// <param name="LoadAfter">1-minute load average after it.</param>
/// <param name="Rows">Every host on every workload.</param>
internal sealed record OrleansColumn(DateTimeOffset Utc, int Rounds, int Cores, string LoadBefore, string LoadAfter, List<OrleansRow> Rows)
{
    internal const string FileName = "orleans-column.tsv";

    /// <summary>Goal of issue 15 for bytes allocated per local call on PinSync.Runtime.</summary>
    internal const double BytesPerLocalCallGoal = 100;

    private static readonly Comparison s_comparison = new(
        "Grain runtime vs Orleans", "OrleansColumn", "PinSync", "Orleans", _ => null);

    /// <summary>Reads <see cref="FileName"/> from <paramref name="directory"/>; null when absent or empty.</summary>
    internal static OrleansColumn? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var rows = new List<OrleansRow>();
        (DateTimeOffset Utc, int Rounds, int Cores, string Before, string After)? run = null;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split('\t');
            if (f.Length < 12
                || !DateTimeOffset.TryParse(f[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var utc)
                || !TryNumber(f[7], out var rate) || !TryNumber(f[8], out var ns) || !TryNumber(f[9], out var bytes)
                || !TryNumber(f[10], out var fastest) || !TryNumber(f[11], out var slowest))
            {
                continue;
            }

            run ??= (utc, int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4]);
            rows.Add(new OrleansRow(f[5], f[6], rate, ns, bytes, fastest, slowest));
        }

        return run is { } r && rows.Count > 0 ? new OrleansColumn(r.Utc, r.Rounds, r.Cores, r.Before, r.After, rows) : null;

        static bool TryNumber(string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>One goal-table and chart row per workload: PinSync.Runtime with its default request timeout against
    /// Orleans (the best, and only, peer of these rows), time per call.</summary>
    internal IEnumerable<RatioRow> Ratios()
    {
        var time = Utc.UtcDateTime;
        foreach (var workload in Rows.Select(r => r.Workload).Distinct())
        {
            var mine = Rows.FirstOrDefault(r => r.Workload == workload && r.IsDefaultPinSync);
            var peer = Rows.FirstOrDefault(r => r.Workload == workload && r.IsOrleans);
            if (mine is null || peer is null || peer.NsPerCall <= 0)
            {
                continue;
            }

            var mineCase = new CaseResult(s_comparison.Type, s_comparison.Method, "PinSync.Runtime: await call (30 s request timeout)",
                workload, mine.NsPerCall, 0, mine.BytesPerCall, time);
            var peerCase = new CaseResult(s_comparison.Type, s_comparison.Baseline, $"{peer.Host}: await call", workload,
                peer.NsPerCall, 0, peer.BytesPerCall, time);
            yield return new RatioRow(s_comparison, workload, mineCase, peerCase, mine.NsPerCall / peer.NsPerCall, null, peerCase);
        }
    }

    /// <summary>The report's section: every host on every workload, with the ratio to Orleans and the bytes goal.</summary>
    internal string Markdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("## Grain runtime against Orleans 10.4.2");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"`src/PinSync.Bench.Orleans`: PinSync.Runtime (its default 30 s request timeout, and none) and "
            + $"Orleans 10.4.2 (one in-process silo, localhost clustering on 127.0.0.1, the silo's own `IGrainFactory`) on the runtime "
            + $"benchmarks' workloads, interleaved round by round in one process: {Utc:yyyy-MM-dd HH:mm} UTC, {Rounds} rounds (medians; "
            + $"fastest–slowest round in brackets), {Cores} cores, load average {LoadBefore} → {LoadAfter}. Bytes per call are "
            + $"process-wide (`GC.GetTotalAllocatedBytes`, so Orleans' background work counts against Orleans). It runs apart from "
            + $"BenchmarkDotNet because Orleans' code generator and BenchmarkDotNet bring different Roslyn versions.");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"| workload | host | calls/s | time per call | bytes per call | ≤ {F(BytesPerLocalCallGoal, "0")} B per local call | "
            + $"time / Orleans | throughput × Orleans |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | :---: | ---: | ---: |");
        foreach (var row in Rows)
        {
            var peer = Rows.FirstOrDefault(r => r.Workload == row.Workload && r.IsOrleans);
            var bytesMark = row.IsDefaultPinSync && row.IsOneLocalCall ? (row.BytesPerCall <= BytesPerLocalCallGoal ? "✓" : "✗") : "";
            var vs = peer is null || row.IsOrleans ? (row.IsOrleans ? "**peer**" : "") : F(row.NsPerCall / peer.NsPerCall, "0.00") + "×";
            var times = peer is null || row.IsOrleans ? "" : F(peer.NsPerCall / row.NsPerCall, "0.00") + "×";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {row.Workload} | {row.Host} | {F(row.CallsPerSecond, "#,0")} | "
                + $"{BenchmarkResults.FormatNs(row.NsPerCall)} ({BenchmarkResults.FormatNs(row.FastestNs)}–{BenchmarkResults.FormatNs(row.SlowestNs)}) | "
                + $"{F(row.BytesPerCall, "0")} B | {bytesMark} | {vs} | {times} |");
        }

        return sb.ToString().TrimEnd();
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
