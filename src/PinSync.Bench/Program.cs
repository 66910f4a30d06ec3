using System.Globalization;
using BenchmarkDotNet.Running;
using PinSync.Bench.Infrastructure;
using PinSync.Bench.Latency;
using PinSync.Bench.Report;

namespace PinSync.Bench;

/// <summary>
/// Entry point. Besides BenchmarkDotNet's own arguments (<c>--filter</c>, <c>--job</c>, …):
/// <list type="bullet">
/// <item><c>--quick</c>: the whole suite with a short in-process job (about 10 minutes on 2 cores), then the latency
/// mode for 1.5 s per row and the profile mode for 0.4 s per row; <c>--filter '*'</c> is implied.</item>
/// <item><c>--latency [--seconds n] [--thresholds 250,500]</c>: only the fairness/latency measurement (default 5 s
/// per row); <c>--thresholds</c> adds the PinnedMutex rows again under those starvation thresholds (µs).</item>
/// <item><c>--report [results dir] [--docs dir]</c>: writes <c>docs/benchmarks.md</c> and <c>docs/benchmarks.svg</c>
/// from the exported results (default <c>BenchmarkDotNet.Artifacts/results</c>). Refuses results of a <c>--dry</c> run
/// (exit code 3) unless <c>--allow-dry</c> is given, which labels them as dry and judges no goal on them.</item>
/// <item><c>--profile [--seconds n]</c>: the contended async workload instrumented from outside (time, bytes, pool
/// work items, lock contentions and synchronous completions per acquisition).</item>
/// <item><c>--ab [--tasks 2,4,16,64] [--body Yield|Increment] [--rounds n] [--variant no-defer|threshold-250us|precise-clock|no-overdue|eager-stamp|yield-only]</c>
/// (the variant is a sixth column: PinnedMutex with deferred wakes off, with a 250 µs starvation threshold, with the
/// precise clock on every unlock, with the overdue-wake check off, with every async wait stamped by the precise clock,
/// or no lock at all): the contended async class's methods called directly, interleaved round by round in one process;
/// medians and PinSync / best peer (how a change to the primitives is judged on a shared machine); the async
/// condition-variable ping-pong table follows.</item>
/// <item><c>--ab-semaphore [--rounds n] [--fairness-seconds s] [--tables mixed,throttling,sustained,fairness]</c>: PinnedSemaphore strict FIFO (the discipline before
/// issue 13 item 6) against barging with the starvation handoff, interleaved: the mixed blocking/async class, the
/// throttling class and one async waiter against two busy threads (see <c>Profiling/SemaphoreInterleavedRun.cs</c>).</item>
/// <item><c>--ab-pingpong [--rounds n]</c>: only the ping-pong table (CondVar + PinnedMutex, SemaphoreSlim pair, Nito
/// AsyncConditionVariable, and two diagnostic PinSync rows), interleaved round by round in one process.</item>
/// <item><c>--idle-wake [--rounds n]</c>: what a deferred wake costs an idle lock (last unlock to the waiter holding it,
/// deferral on and off in alternate rounds).</item>
/// <item><c>--ab-runtime [--rounds n] [--pair]</c>: the grain runtime's request-timeout price (coarse sweep, per-request
/// timer, no timeout), interleaved round by round in one process; <c>--pair</c> runs only the default (sweep) and no
/// timeout, so more rounds fit in the same time.</item>
/// <item><c>--dry</c>: one cold iteration per case (checks that everything runs; measures nothing).</item>
/// <item><c>--quick</c> and <c>--dry</c> print one progress line per case; BenchmarkDotNet's full log goes to the
/// artifacts folder.</item>
/// <item><c>--out-of-process</c>: keep BenchmarkDotNet's out-of-process toolchain (in-process is the default).</item>
/// <item><c>--no-runnext</c>: turn the run-next slot off (<c>Scheduling/RunNextSlot.cs</c>) for this process before
/// anything runs (an A/B of a BenchmarkDotNet job; in-process toolchain only).</item>
/// </list>
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks, the latency mode or the report step, as chosen on the command line.</summary>
    public static int Main(string[] args)
    {
        var rest = new List<string>(args);
        var quick = Take(rest, "--quick");
        var latency = Take(rest, "--latency");
        var outOfProcess = Take(rest, "--out-of-process");
        var dry = Take(rest, "--dry");
        if (Take(rest, "--no-runnext"))
        {
            Scheduling.RunNextSlot.s_enabled = false;
        }
        var seconds = TakeValue(rest, "--seconds") is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : (double?)null;
        if (TakeValue(rest, "--thresholds") is { } thresholds)
        {
            LatencyRunner.Thresholds = [.. thresholds.Split(',').Select(us => TimeSpan.FromMicroseconds(double.Parse(us, CultureInfo.InvariantCulture)))];
        }
        var artifacts = Path.GetFullPath(PeekValue(rest, "--artifacts") ?? "BenchmarkDotNet.Artifacts");
        var results = Path.Combine(artifacts, "results");

        if (Take(rest, "--report"))
        {
            var docs = TakeValue(rest, "--docs");
            var allowDry = Take(rest, "--allow-dry");
            var from = rest.Count > 0 && !rest[0].StartsWith('-') ? rest[0] : results;
            return ReportWriter.Write(from, docs ?? ReportWriter.FindDocsDirectory(), allowDry);
        }

        if (Take(rest, "--profile"))
        {
            Profiling.ContentionProfile.Run(seconds ?? 0.5, results);
            return 0;
        }

        if (Take(rest, "--ab"))
        {
            var tasks = TakeValue(rest, "--tasks") is { } list ? list.Split(',').Select(int.Parse).ToArray() : [2, 4, 16, 64];
            var body = TakeValue(rest, "--body") is { } b ? Enum.Parse<Sync.HoldBody>(b, ignoreCase: true) : Sync.HoldBody.Yield;
            Profiling.InterleavedRun.Verbose = Take(rest, "--verbose");
            switch (TakeValue(rest, "--variant"))
            {
                // Interleaved A/B of a library switch (RawMutex.Deferral.cs).
                case "no-defer":
                    Profiling.InterleavedRun.AddVariant("no-defer", static () => RawMutex.s_deferWakes = false, static () => RawMutex.s_deferWakes = true);
                    break;
                case "threshold-250us":
                    // The starvation threshold's throughput price (issue 13 item 4), interleaved.
                    Profiling.InterleavedRun.AddVariant("250us", static () => RawMutex.StarvationThreshold = TimeSpan.FromMicroseconds(250),
                        static () => RawMutex.StarvationThreshold = TimeSpan.FromMilliseconds(1));
                    break;
                case "precise-clock":
                    // The handoff clock's price (RawMutex.Release.cs: HandoffClock), interleaved.
                    Profiling.InterleavedRun.AddVariant("precise-clock", static () => RawMutex.s_coarseHandoffClock = false, static () => RawMutex.s_coarseHandoffClock = true);
                    break;
                case "no-overdue":
                    // The overdue-wake check's price (RawMutex.Overdue.cs), interleaved.
                    Profiling.InterleavedRun.AddVariant("no-overdue", static () => RawMutex.s_overdueWakes = false, static () => RawMutex.s_overdueWakes = true);
                    break;
                case "eager-stamp":
                    // The enqueue stamp's price (EnqueueStamp.cs): every async wait reads the precise clock as it queues.
                    Profiling.InterleavedRun.AddVariant("eager-stamp", static () => EnqueueStamp.s_cached = false, static () => EnqueueStamp.s_cached = true);
                    break;
                case "no-runnext":
                    // The run-next slot's effect (Scheduling/RunNextSlot.cs), interleaved.
                    Profiling.InterleavedRun.AddVariant("no-runnext", static () => Scheduling.RunNextSlot.s_enabled = false, static () => Scheduling.RunNextSlot.s_enabled = true);
                    break;
                case "yield-only":
                    Profiling.InterleavedRun.AddMethod("yield-only", Profiling.InterleavedRun.YieldOnlyRound);
                    break;
            }

            var rounds = TakeValue(rest, "--rounds") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 9;
            Profiling.InterleavedRun.Run(tasks, body, [Sync.WaitMode.Plain, Sync.WaitMode.Token, Sync.WaitMode.Timeout], rounds, results);
            return 0;
        }

        if (Take(rest, "--ab-semaphore"))
        {
            // PinnedSemaphore's queue discipline, strict FIFO (before issue 13 item 6) against barging, interleaved.
            var rounds = TakeValue(rest, "--rounds") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 9;
            var fairness = TakeValue(rest, "--fairness-seconds") is { } f ? double.Parse(f, CultureInfo.InvariantCulture) : 2.0;
            var tables = TakeValue(rest, "--tables") is { } t ? t.Split(',') : [];
            Profiling.SemaphoreInterleavedRun.Run(rounds, fairness, tables, results);
            return 0;
        }

        if (Take(rest, "--ab-pingpong"))
        {
            var rounds = TakeValue(rest, "--rounds") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 31;
            var lines = Profiling.PingPongInterleavedRun.Run(rounds);
            Directory.CreateDirectory(results);
            File.WriteAllLines(Path.Combine(results, "ab-pingpong.txt"), lines);
            return 0;
        }

        if (Take(rest, "--idle-wake"))
        {
            var rounds = TakeValue(rest, "--rounds") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 20_000;
            IdleWakeLatency.Run(rounds);
            return 0;
        }

        if (Take(rest, "--ab-runtime"))
        {
            var rounds = TakeValue(rest, "--rounds") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 7;
            Profiling.RuntimeInterleavedRun.Run(rounds, results, pairOnly: Take(rest, "--pair"));
            return 0;
        }

        if (latency)
        {
            LatencyRunner.Run(seconds ?? 5, results);
            return 0;
        }

        if ((quick || dry) && !rest.Contains("--filter"))
        {
            rest.AddRange(["--filter", "*"]);
        }

        var config = BenchConfig.Create(quick, outOfProcess, dry, artifacts, out var loadLog);
        loadLog.RunStarted();
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config);
        if (quick)
        {
            LatencyRunner.Run(seconds ?? 1.5, results);
            Profiling.ContentionProfile.Run(0.4, results);
        }

        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    private static bool Take(List<string> args, string flag) => args.Remove(flag);

    private static string? PeekValue(List<string> args, string option)
    {
        var at = args.IndexOf(option);
        return at >= 0 && at + 1 < args.Count ? args[at + 1] : null;
    }

    private static string? TakeValue(List<string> args, string option)
    {
        var value = PeekValue(args, option);
        if (value is not null)
        {
            args.RemoveRange(args.IndexOf(option), 2);
        }

        return value;
    }
}
