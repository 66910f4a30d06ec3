using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.EventProcessors;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
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
    internal static IConfig Create(bool quick, bool outOfProcess, bool dry, string artifactsPath)
    {
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

        return DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .AddExporter(JsonExporter.Full)
            .AddColumn(StatisticColumn.Median, StatisticColumn.P95)
            .AddEventProcessor(new LoadLog(Path.Combine(artifactsPath, "results", "pinsync-load.csv")))
            .WithArtifactsPath(artifactsPath);
    }

    /// <summary>Appends the 1-minute load average at the start and end of every benchmark case to a CSV file, which
    /// the report step quotes next to the figures.</summary>
    private sealed class LoadLog(string path) : EventProcessor
    {
        public override void OnStartRunBenchmark(BenchmarkCase benchmarkCase) => Append("start", benchmarkCase);

        public override void OnEndRunBenchmark(BenchmarkCase benchmarkCase, BenchmarkReport report) => Append("end", benchmarkCase);

        private void Append(string what, BenchmarkCase benchmarkCase)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var line = string.Join(',',
                DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                what,
                benchmarkCase.Descriptor.Type.Name,
                LoadAverage.OneMinuteText());
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }
}
