using System.Globalization;
using System.Text;
using System.Text.Json;
using PinSync.Bench.Latency;

namespace PinSync.Bench.Report;

/// <summary>One PinSync-versus-BCL ratio, as the goal table and the chart show it.</summary>
internal sealed record RatioRow(
    Comparison Comparison,
    string Parameters,
    CaseResult Case,
    CaseResult Baseline,
    double Ratio,
    double? Goal,
    CaseResult? BestPeer = null,
    double PeerGoal = 1.0)
{
    /// <summary>PinSync's mean over the fastest peer's (BCL or library) in the same class and parameters.</summary>
    public double? PeerRatio => BestPeer is { MeanNs: > 0 } p ? Case.MeanNs / p.MeanNs : null;

    /// <summary>Whether PinSync meets its goal against the best peer (null without a peer or in a dry run).</summary>
    public bool? PeerMet => PeerRatio is { } r && !IsDry ? r <= PeerGoal : null;

    /// <summary>Whether either side comes from a <c>--dry</c> run.</summary>
    public bool IsDry => Case.IsDry || Baseline.IsDry || BestPeer?.IsDry == true;

    /// <summary>The chart's label: family, parameters, PinSync against the best peer.</summary>
    public string PeerLabel => $"{Comparison.Family}{(Parameters.Length == 0 ? "" : $" ({Parameters.Replace('&', ' ')})")}: "
        + $"{ShortTitle(Case.Title)} vs {(BestPeer is null ? "—" : ShortTitle(BestPeer.Title))}";

    /// <summary>Whether the ratio meets its goal (null without a goal).</summary>
    public bool? RatioMet => Goal is { } goal && !IsDry ? Ratio <= goal : null;

    /// <summary>Whether the allocation goal is met (null without one).</summary>
    public bool? AllocationMet => Comparison.ZeroAllocation && !IsDry ? Case.AllocatedBytes is 0 : null;

    public string Label => ShortTitle(Case.Title) == ShortTitle(Baseline.Title)
        ? $"{Comparison.Family}: {Case.Title} vs {Baseline.Title}"
        : Parameters.Length == 0
            ? $"{Comparison.Family}: {ShortTitle(Case.Title)} vs {ShortTitle(Baseline.Title)}"
            : $"{Comparison.Family} ({Parameters.Replace('&', ' ')}): {ShortTitle(Case.Title)} vs {ShortTitle(Baseline.Title)}";

    internal static string ShortTitle(string title) => title.Split(':')[0];
}

/// <summary>
/// The report step: reads BenchmarkDotNet's full JSON exports, <c>latency.json</c>, <c>pinsync-load.csv</c> and the
/// Orleans column (<c>orleans-column.tsv</c>, <see cref="OrleansColumn"/>) from a results directory and writes <c>benchmarks.md</c> and <c>benchmarks.svg</c>.
/// </summary>
internal static class ReportWriter
{
    private const double LoadThreshold = 3.0;

    /// <summary>The repository's <c>docs</c> folder: the nearest parent of the working directory with a solution
    /// file, else <c>./docs</c>.</summary>
    internal static string FindDocsDirectory()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("*.sln").Any())
            {
                return Path.Combine(dir.FullName, "docs");
            }
        }

        return Path.GetFullPath("docs");
    }

    internal static int Write(string resultsDirectory, string docsDirectory, bool allowDry = false)
    {
        if (!Directory.Exists(resultsDirectory))
        {
            Console.Error.WriteLine($"No results directory: {resultsDirectory}");
            return 2;
        }

        var (cases, host) = BenchmarkResults.Read(resultsDirectory);
        var latency = ReadLatency(resultsDirectory);
        var orleans = OrleansColumn.Read(resultsDirectory);
        var load = LoadSamples.Read(Path.Combine(resultsDirectory, "pinsync-load.csv")).OfLatestRuns(cases);
        if (cases.Count == 0 && latency is null && orleans is null)
        {
            Console.Error.WriteLine($"No *-report-full.json, latency.json or {OrleansColumn.FileName} in {resultsDirectory}");
            return 2;
        }

        var dry = cases.Count(c => c.IsDry);
        if (dry > 0 && !allowDry)
        {
            Console.Error.WriteLine($"{dry} of {cases.Count} cases in {resultsDirectory} come from a --dry run (one cold iteration: "
                + "it checks that a case runs and measures nothing). Not writing a report from them: run --quick or the default "
                + "job, or pass --allow-dry to write a report that labels those figures as dry.");
            return 3;
        }

        var ratios = ComputeRatios(cases);
        ratios.AddRange(orleans?.Ratios() ?? []);
        Directory.CreateDirectory(docsDirectory);
        var md = Path.Combine(docsDirectory, "benchmarks.md");
        var svg = Path.Combine(docsDirectory, "benchmarks.svg");
        File.WriteAllText(md, Markdown(resultsDirectory, cases, host, ratios, latency, orleans, load));
        File.WriteAllText(svg, SvgChart.Render(ratios, latency, UnderLoad(load, latency)));
        Console.WriteLine($"Written {md} and {svg} ({cases.Count} cases, {ratios.Count} ratios).");
        return 0;
    }

    internal static List<RatioRow> ComputeRatios(List<CaseResult> cases)
    {
        var rows = new List<RatioRow>();
        foreach (var comparison in Goals.All)
        {
            foreach (var c in cases.Where(c => c.Type == comparison.Type && c.Method == comparison.Method).OrderBy(c => c, CaseOrder.Instance))
            {
                var baseline = cases.FirstOrDefault(b => b.Type == c.Type && b.Method == comparison.Baseline && b.Parameters == c.Parameters);
                if (baseline is null || baseline.MeanNs <= 0)
                {
                    continue;
                }

                var parameters = BenchmarkResults.ParseParameters(c.Parameters);
                var goal = comparison.Goal(parameters);
                var bestPeer = cases
                    .Where(p => p.Type == c.Type && p.Parameters == c.Parameters && p.MeanNs > 0 && !Goals.IsPinSync(p.Type, p.Method))
                    .MinBy(p => p.MeanNs);
                rows.Add(new RatioRow(comparison, c.Parameters, c, baseline, c.MeanNs / baseline.MeanNs, goal, bestPeer,
                    comparison.PeerGoalFor(parameters)));
            }
        }

        return rows;
    }

    private static LatencyReport? ReadLatency(string directory)
    {
        var path = Path.Combine(directory, "latency.json");
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), LatencyJson.Default.LatencyReport) : null;
    }

    // Outside interference: other processes used more than this share of the machine's CPU time during the cases.
    private const double ForeignThreshold = 0.15;

    private static bool UnderLoad(LoadSamples load, LatencyReport? latency) =>
        load.Foreign() is { } foreign
            ? foreign.Mean > ForeignThreshold || load.RunStartLoad > LoadThreshold
            : load.Max > LoadThreshold
              || (latency is not null && (ParseLoad(latency.LoadAverageBefore) > LoadThreshold || ParseLoad(latency.LoadAverageAfter) > LoadThreshold));

    private static double ParseLoad(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    // Two decimals, or four where two would hide which side of the goal the ratio is on.
    private static string RatioText(RatioRow r) =>
        r.Goal is { } g && F(r.Ratio, "0.00") == F(g, "0.00") ? F(r.Ratio, "0.0000") : F(r.Ratio, "0.00");

    private static string Mark(bool? met) => met switch { true => "✓", false => "✗", null => "" };

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Markdown(string resultsDirectory, List<CaseResult> cases, HostInfo? host, List<RatioRow> ratios,
        LatencyReport? latency, OrleansColumn? orleans, LoadSamples load)
    {
        var sb = new StringBuilder();
        var underLoad = UnderLoad(load, latency);
        sb.AppendLine("# Benchmarks");
        sb.AppendLine();
        sb.AppendLine("<!-- Generated by `dotnet run -c Release --project src/PinSync.Bench -- --report <results dir>`; do not edit by hand. -->");
        sb.AppendLine();
        sb.AppendLine("PinSync against `SemaphoreSlim`, `Monitor` and `System.Threading.Lock` (issue 5) and against the .NET peers "
            + $"DotNext.Threading, Nito.AsyncEx.Coordination and Microsoft.VisualStudio.Threading (issue 13), and the grain runtime "
            + $"against Orleans 10.4.2 (issues 13 and 15). Every figure below was "
            + $"measured by the suite in `src/PinSync.Bench` and copied here by its report step; ratios are PinSync's mean over the "
            + $"BCL baseline's mean, and over the fastest peer's mean (the **best peer**, named per row), in the same class, "
            + $"parameters and run (lower is better).");
        sb.AppendLine();
        if (cases.Any(c => c.IsDry))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"> **DRY RUN — NOTHING HERE IS A MEASUREMENT.** {cases.Count(c => c.IsDry)} of {cases.Count} "
                + $"cases come from `--dry` (one cold iteration, written with `--report --allow-dry`): their times include JIT and "
                + $"first-use costs, they are marked *dry* below and no goal is judged on them.");
            sb.AppendLine();
        }

        sb.AppendLine("![PinSync / best peer ratios](benchmarks.svg)");
        sb.AppendLine();

        sb.AppendLine("## Run");
        sb.AppendLine();
        sb.AppendLine("| | |");
        sb.AppendLine("| --- | --- |");
        if (host is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| machine | {host.Processor}, {host.LogicalCores} logical cores |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| OS | {host.Os} |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| runtime | {host.Runtime} |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| BenchmarkDotNet | {host.BenchmarkDotNet} |");
        }

        if (load.Count > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| date (UTC) | {load.First:yyyy-MM-dd HH:mm} – {load.Last:HH:mm} |");
            if (load.RunStartLoad is { } startLoad)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| load average (1 min) when the run started | {F(startLoad, "0.00")} |");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"| load average (1 min) during the cases | {F(load.Min, "0.0")} – {F(load.Max, "0.0")} "
                + $"(mean {F(load.Mean, "0.0")}; counts the suite's own busy threads) |");
            if (load.Foreign() is { } foreign)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| CPU used by other processes during the cases | mean {F(foreign.Mean, "0%")}, "
                    + $"max {F(foreign.Max, "0%")} of the machine |");
            }
        }
        else if (cases.Count > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| date (UTC) | {cases.Max(c => c.FileTimeUtc):yyyy-MM-dd HH:mm} |");
        }

        if (latency is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| latency mode | {latency.StartedUtc:yyyy-MM-dd HH:mm} UTC, {F(latency.SecondsPerRow, "0.#")} s per row, "
                + $"load {latency.LoadAverageBefore} → {latency.LoadAverageAfter} |");
        }

        sb.AppendLine();
        if (underLoad)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"> **Measured under load.** Other processes (builds and tests of other engineers on "
                + $"the shared 2-core machine) used more than {F(ForeignThreshold, "0%")} of the CPU during the cases, or the load average "
                + $"exceeded {F(LoadThreshold, "0")} when the run started. Absolute times are inflated and noisy; ratios within one class are "
                + $"fairer (both sides ran back to back under the same load) but still carry that noise. Re-run on a quiet machine.");
            sb.AppendLine();
        }

        sb.AppendLine("## Goals");
        sb.AppendLine();
        sb.AppendLine("| comparison | parameters | PinSync | BCL | ratio | goal | | PinSync alloc/op | BCL alloc/op | 0 B goal | best peer | "
            + "best peer time | PinSync / best peer | peer goal | |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: | :---: | --- | ---: | ---: | ---: | :---: |");
        foreach (var r in ratios)
        {
            var (mine, theirs) = RatioRow.ShortTitle(r.Case.Title) is var m && m != RatioRow.ShortTitle(r.Baseline.Title)
                ? (m, RatioRow.ShortTitle(r.Baseline.Title))
                : (r.Case.Title, r.Baseline.Title);
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Comparison.Family}: {mine} vs {theirs} | {r.Parameters.Replace("&", ", ")} | "
                + $"{BenchmarkResults.FormatNs(r.Case.MeanNs)} | {BenchmarkResults.FormatNs(r.Baseline.MeanNs)} | {RatioText(r)}× | "
                + $"{(r.Goal is { } g ? "≤ " + F(g, "0.00") + "×" : "—")} | {Mark(r.RatioMet)} | "
                + $"{BenchmarkResults.FormatBytes(r.Case.AllocatedBytes)} | {BenchmarkResults.FormatBytes(r.Baseline.AllocatedBytes)} | "
                + $"{Mark(r.AllocationMet)} | {(r.BestPeer is { } bp ? RatioRow.ShortTitle(bp.Title) : "—")} | "
                + $"{(r.BestPeer is { } bp2 ? BenchmarkResults.FormatNs(bp2.MeanNs) : "")} | "
                + $"{(r.PeerRatio is { } pr ? F(pr, "0.00") + "×" : "")}{(r.IsDry ? " *dry*" : "")} | "
                + $"{(r.BestPeer is null ? "" : "≤ " + F(r.PeerGoal, "0.00") + "×")} | {Mark(r.PeerMet)} |");
        }

        if (latency is not null)
        {
            foreach (var row in latency.Rows.Where(r => r.Primitive.StartsWith("Pinned", StringComparison.Ordinal)))
            {
                var met = row.MaxUs <= Goals.MaxWaitGoalUs;
                sb.AppendLine(CultureInfo.InvariantCulture, $"| Latency under saturation: {row.Primitive}, max wait | {row.Scenario} | {F(row.MaxUs / 1000, "0.00")} ms | | | "
                    + $"≤ {F(Goals.MaxWaitGoalUs / 1000, "0")} ms | {Mark(met)} | | | |");
            }
        }

        var withGoal = ratios.Count(r => r.Goal is not null);
        var met1 = ratios.Count(r => r.RatioMet == true);
        var allocGoals = ratios.Count(r => r.AllocationMet is not null);
        var allocMet = ratios.Count(r => r.AllocationMet == true);
        sb.AppendLine();
        var waitRows = latency?.Rows.Where(r => r.Primitive.StartsWith("Pinned", StringComparison.Ordinal)).ToList() ?? [];
        var waitText = waitRows.Count == 0 ? ""
            : $" Max-wait goals met: **{waitRows.Count(r => r.MaxUs <= Goals.MaxWaitGoalUs)} of {waitRows.Count}**.";
        var peerGoals = ratios.Count(r => r.PeerMet is not null);
        var peerMet = ratios.Count(r => r.PeerMet == true);
        sb.AppendLine(ratios.Any(r => r.IsDry)
            ? string.Create(CultureInfo.InvariantCulture, $"Goals not judged: {ratios.Count(r => r.IsDry)} of {ratios.Count} rows are dry-run figures.{waitText}")
            : string.Create(CultureInfo.InvariantCulture, $"Ratio goals met: **{met1} of {withGoal}**. Zero-allocation goals met: **{allocMet} of {allocGoals}**. "
              + $"Best-peer goals met: **{peerMet} of {peerGoals}**.{waitText}"));
        sb.AppendLine();

        sb.AppendLine("## All cases");
        sb.AppendLine();
        sb.AppendLine("Mean per operation (one acquisition, one round trip, or one create/dispose), its standard error, the ratio to the "
            + $"class's baseline (marked **base**) with the same parameters, and bytes allocated per operation (MemoryDiagnoser).");
        foreach (var type in cases.Select(c => c.Type).Distinct().OrderBy(TypeOrder))
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"### {type}");
            sb.AppendLine();
            var typeLoad = load.ForType(type);
            if (typeLoad is { } tl)
            {
                var foreignText = load.ForeignForType(type) is { } tf
                    ? $"; CPU used by other processes: mean {F(tf.Mean, "0%")}, max {F(tf.Max, "0%")}"
                    : "";
                sb.AppendLine(CultureInfo.InvariantCulture, $"Load average (1 min) during these cases: {F(tl.Min, "0.0")} – {F(tl.Max, "0.0")}{foreignText}.");
                sb.AppendLine();
            }

            var baselineMethod = Goals.All.FirstOrDefault(c => c.Type == type)?.Baseline ?? DeclaredBaseline(type);
            sb.AppendLine("| parameters | case | mean | ± SE | ratio | allocated |");
            sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
            foreach (var c in cases.Where(c => c.Type == type).OrderBy(c => c, CaseOrder.Instance).ThenBy(c => c.Method != baselineMethod))
            {
                var b = cases.FirstOrDefault(x => x.Type == type && x.Method == baselineMethod && x.Parameters == c.Parameters);
                var ratio = c.Method == baselineMethod ? "**base**" : b is null ? "" : F(c.MeanNs / b.MeanNs, "0.00") + "×";
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {c.Parameters.Replace("&", ", ")} | {c.Title}{(c.IsDry ? " *dry*" : "")} | {BenchmarkResults.FormatNs(c.MeanNs)} | "
                    + $"{BenchmarkResults.FormatNs(c.ErrorNs)} | {ratio} | {BenchmarkResults.FormatBytes(c.AllocatedBytes)} |");
            }
        }

        if (orleans is not null)
        {
            sb.AppendLine();
            sb.AppendLine(orleans.Markdown());
        }

        if (latency is not null)
        {
            sb.AppendLine();
            sb.AppendLine("## Fairness and latency under saturation");
            sb.AppendLine();
            sb.AppendLine("`--latency` mode: workers take one lock back to back (a few dozen ns of work inside) for "
                + $"{F(latency.SecondsPerRow, "0.#")} s per row; each acquisition's wait, from the call to holding the lock, is recorded. "
                + $"Share: the least- and most-served worker's acquisitions over an even share (1.00–1.00 is perfectly even).");
            sb.AppendLine();
            sb.AppendLine("Runnable, not running: of the time the process's threads wanted a CPU during the row, the share they "
                + "waited on a run queue (`/proc/self/task/*/schedstat`): the OS scheduler's part of the waits, which no lock removes.");
            sb.AppendLine();
            sb.AppendLine("| scenario | primitive | acquisitions/s | p50 | p99 | p99.9 | max | share | runnable, not running |");
            sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var row in latency.Rows)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {row.Scenario} | {row.Primitive} | {F(row.PerSecond, "#,0")} | {F(row.P50Us, "0.0")} µs | "
                    + $"{F(row.P99Us, "0.0")} µs | {F(row.P999Us, "0.0")} µs | {F(row.MaxUs, "#,0")} µs | "
                    + $"{F(row.MinShare, "0.00")}–{F(row.MaxShare, "0.00")} | {(row.RunnableShare is { } rs ? F(rs, "0%") : "n/a")} |");
            }
        }

        var profile = Path.Combine(resultsDirectory, "profile.txt");
        if (File.Exists(profile))
        {
            sb.AppendLine();
            sb.AppendLine("## Profile: contended async, instrumented from outside");
            sb.AppendLine();
            sb.AppendLine("`--profile` mode: the contended async workload again, counting per acquisition the bytes allocated "
                + "(`GC.GetTotalAllocatedBytes`), thread-pool work items run (`ThreadPool.CompletedWorkItemCount`), lock contentions "
                + "(`Monitor.LockContentionCount`), and how many acquisitions completed synchronously (the returned task was already "
                + "complete: the caller took the lock on the fast path instead of queueing).");
            sb.AppendLine();
            sb.AppendLine("```text");
            sb.AppendLine(File.ReadAllText(profile).TrimEnd());
            sb.AppendLine("```");
        }

        sb.AppendLine();
        sb.AppendLine("## Running");
        sb.AppendLine();
        sb.AppendLine(Resource("Running.md"));
        sb.AppendLine();
        sb.AppendLine("## Analysis");
        sb.AppendLine();
        sb.AppendLine(Resource("Analysis.md"));
        return sb.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd() + "\n";
    }

    /// <summary>The method marked <c>[Benchmark(Baseline = true)]</c> in the benchmark class named
    /// <paramref name="type"/> (this assembly), for classes without an entry in <see cref="Goals"/>.</summary>
    private static string? DeclaredBaseline(string type) =>
        typeof(ReportWriter).Assembly.GetTypes().FirstOrDefault(t => t.Name == type)?.GetMethods()
            .FirstOrDefault(m => m.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), inherit: true)
                .OfType<BenchmarkDotNet.Attributes.BenchmarkAttribute>().Any(a => a.Baseline))?.Name;

    private static int TypeOrder(string type) =>
        Array.FindIndex(Goals.All, c => c.Type == type) is var i && i >= 0 ? i : int.MaxValue;

    private static string Resource(string name)
    {
        using var stream = typeof(ReportWriter).Assembly.GetManifestResourceStream($"PinSync.Bench.Report.{name}");
        if (stream is null)
        {
            return $"(missing resource {name})";
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Trim();
    }

    /// <summary>Orders cases by their parameters, numerically where numbers.</summary>
    private sealed class CaseOrder : IComparer<CaseResult>
    {
        internal static readonly CaseOrder Instance = new();

        // Enum parameters in declaration order rather than alphabetically.
        private static readonly string[] KnownOrder = ["Increment", "Yield", "Plain", "Token", "Timeout"];

        public int Compare(CaseResult? x, CaseResult? y)
        {
            var a = BenchmarkResults.ParseParameters(x!.Parameters).Values.ToArray();
            var b = BenchmarkResults.ParseParameters(y!.Parameters).Values.ToArray();
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var c = Array.IndexOf(KnownOrder, a[i]) is var ka and >= 0 && Array.IndexOf(KnownOrder, b[i]) is var kb and >= 0
                    ? ka.CompareTo(kb)
                    : int.TryParse(a[i], CultureInfo.InvariantCulture, out var na) && int.TryParse(b[i], CultureInfo.InvariantCulture, out var nb)
                    ? na.CompareTo(nb)
                    : string.CompareOrdinal(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
