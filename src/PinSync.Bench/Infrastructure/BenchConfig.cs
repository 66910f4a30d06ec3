using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.EventProcessors;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace PinSync.Bench.Infrastructure;

/// <summary>
/// The suite's configuration: the in-process toolchain by default (see <c>docs/benchmarks.md</c>, "Running"), the
/// full JSON exporter the report step reads, and a load-average log beside the results.
/// </summary>
internal static class BenchConfig
{
    /// <summary>The configuration for a run.</summary>
    /// <param name="quick">A short job (under 10 minutes for the whole suite on 2 cores) instead of the default one.</param>
    /// <param name="outOfProcess">Keep BenchmarkDotNet's default out-of-process toolchain (only from a plain build
    /// without <c>PINSYNC_ARTIFACTS</c>; see the docs).</param>
    /// <param name="artifactsPath">Where BenchmarkDotNet writes its artifacts.</param>
    /// <param name="dry">One cold iteration per case: checks that every case runs, measures nothing.</param>
    /// <param name="loadLog">The load log of this run (see <see cref="LoadLog"/>).</param>
    internal static IConfig Create(bool quick, bool outOfProcess, bool dry, string artifactsPath, out LoadLog loadLog)
    {
        loadLog = new LoadLog(Path.Combine(artifactsPath, "results", "pinsync-load.csv"));
        var job = dry ? Job.Dry.WithId("Dry") : quick
            ? Job.Default
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(10)
                .WithIterationTime(TimeInterval.FromMilliseconds(120))
                .WithUnrollFactor(1)
                .WithId("Quick")
            : Job.Default.WithId(outOfProcess ? "Default" : "InProcess");
        if (!outOfProcess)
        {
            job = job.WithToolchain(InProcessEmitToolchain.Instance);
        }

        // --quick (and --dry) print one progress line per case (ProgressLog) instead of BenchmarkDotNet's console log, which runs
        // to thousands of lines; the full log still goes to the run's *.log file under the artifacts folder.
        var baseConfig = quick || dry
            ? ManualConfig.CreateEmpty()
                .AddColumnProvider([.. DefaultConfig.Instance.GetColumnProviders()])
                .AddExporter([.. DefaultConfig.Instance.GetExporters()])
                .AddAnalyser([.. DefaultConfig.Instance.GetAnalysers()])
                .AddValidator([.. DefaultConfig.Instance.GetValidators()])
                .AddLogger(NullLogger.Instance)
                .AddEventProcessor(new ProgressLog())
            : (IConfig)DefaultConfig.Instance;
        return baseConfig
            .AddJob(job.AsDefault())
            .AddExporter(JsonExporter.Full)
            .AddColumn(StatisticColumn.Median, StatisticColumn.P95)
            .AddEventProcessor(loadLog)
            .WithArtifactsPath(artifactsPath);
    }

    /// <summary>
    /// Appends, at the start and end of every benchmark case, the 1-minute load average and, at the end, the share of
    /// the machine's CPU time that other processes used while the case ran (from <c>/proc/stat</c> minus this
    /// process's own time). The load average counts the suite's own busy threads too (a contended case runs up to 64
    /// of them); the foreign share does not, so the report judges outside interference by it.
    /// </summary>
    internal sealed class LoadLog(string path) : EventProcessor
    {
        private (long Busy, long Total, long Own)? _start;

        /// <summary>Writes a line that marks the start of a run (before any case).</summary>
        internal void RunStarted() => Write("run-start", "-", "");

        public override void OnStartRunBenchmark(BenchmarkCase benchmarkCase)
        {
            _start = LoadAverage.ReadCpuTicks();
            Write("start", benchmarkCase.Descriptor.Type.Name, "");
        }

        public override void OnEndRunBenchmark(BenchmarkCase benchmarkCase, BenchmarkReport report)
        {
            var foreign = "";
            if (_start is { } a && LoadAverage.ReadCpuTicks() is { } b && b.Total > a.Total)
            {
                var share = Math.Max(0, (b.Busy - a.Busy) - (b.Own - a.Own)) / (double)(b.Total - a.Total);
                foreign = share.ToString("0.000", CultureInfo.InvariantCulture);
            }

            Write("end", benchmarkCase.Descriptor.Type.Name, foreign);
        }

        private void Write(string what, string type, string foreign)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var line = string.Join(',',
                DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                what,
                type,
                LoadAverage.OneMinuteText(),
                foreign);
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    /// <summary>
    /// <c>--quick</c>'s console output: one line per finished case (its number of the total, the time since the run
    /// started, the case and its mean and allocation, and how many threads the thread pool had by then: with the
    /// in-process toolchain a case inherits the pool that the cases before it grew, which decides the mode of the
    /// bimodal async cases) and a line per class, instead of BenchmarkDotNet's log.
    /// </summary>
    internal sealed class ProgressLog : EventProcessor
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private int _total;
        private int _done;

        public override void OnStartBuildStage(IReadOnlyList<BuildPartition> partitions)
        {
            _total = partitions.Sum(p => p.Benchmarks.Length);
            Console.WriteLine($"{_total} cases; full log in the artifacts folder (*.log).");
        }

        public override void OnStartRunBenchmarksInType(Type type, IReadOnlyList<BenchmarkCase> benchmarks) =>
            Console.WriteLine($"[{Elapsed}] {type.Name}: {benchmarks.Count} cases");

        public override void OnEndRunBenchmark(BenchmarkCase benchmarkCase, BenchmarkReport report)
        {
            _done++;
            var mean = report.ResultStatistics is { } stats
                ? Report.BenchmarkResults.FormatNs(stats.Mean)
                : "FAILED";
            var bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) is { } b ? $", {b} B/op" : "";
            var parameters = benchmarkCase.HasParameters ? $" {benchmarkCase.Parameters.DisplayInfo}" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {_done,4}/{_total} [{Elapsed}] {benchmarkCase.Descriptor.WorkloadMethod.Name}{parameters}: {mean}{bytes}, pool {ThreadPool.ThreadCount} threads"));
        }

        private string Elapsed => _clock.Elapsed.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }
}
