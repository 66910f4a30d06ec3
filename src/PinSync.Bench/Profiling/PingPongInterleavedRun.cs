using System.Diagnostics;
using System.Globalization;
using PinSync.Bench.Sync;

namespace PinSync.Bench.Profiling;

/// <summary>
/// <c>--ab-pingpong</c> (and the last table of <c>--ab</c>): the async condition-variable ping-pong of
/// <see cref="CondVarPingPongAsyncBenchmarks"/> — the benchmark's own methods, the exact code BenchmarkDotNet runs —
/// plus two diagnostic PinSync rows of <see cref="PingPongProfile"/> (a <see cref="PinnedSemaphore"/> pair, and the
/// CondVar handoff with the notification sent after the unlock), called directly in one process and
/// <b>interleaved</b>: each round runs one invocation (4 096 round trips) of every row in a rotating order, so that a
/// burst of outside load hits all of them alike. The table gives each row's median ns per round trip over the rounds,
/// the spread, the bytes and thread-pool work items per round trip, PinSync's queued lock waits and handoffs per round
/// trip (from its meter: a CondVar side whose re-lock had to queue ran while the other side held the mutex, i.e. the
/// round went cross-thread), and the CondVar row against the SemaphoreSlim pair and against Nito.
/// </summary>
internal static class PingPongInterleavedRun
{
    /// <summary>Runs the table and returns its lines (also written to the console).</summary>
    internal static List<string> Run(int rounds)
    {
        var bench = new CondVarPingPongAsyncBenchmarks();
        (string Name, Func<Task> Run)[] rows =
        [
            ("CondVar + PinnedMutex", bench.CondVarPingPong),
            ("SemaphoreSlim pair", bench.SemaphoreSlimPingPong),
            ("Nito AsyncConditionVariable", bench.NitoPingPong),
            ("PinnedSemaphore pair", PingPongProfile.PinnedSemaphorePair()),
            ("CondVar, notify after unlock", PingPongProfile.CondVarPair(notifyUnderLock: false)),
            ("CondVar, no notified slot", WithoutNotifiedSlot(bench.CondVarPingPong)),
            ("PinnedSemaphore pair, strict FIFO", WithStrictFifo(PingPongProfile.PinnedSemaphorePair())),
            ("CondVar, no run-next slot", WithoutRunNext(bench.CondVarPingPong)),
            ("PinnedSemaphore pair, no run-next", WithoutRunNext(PingPongProfile.PinnedSemaphorePair())),
        ];

        // Queued LockAsync waits (the other side held the mutex when this side came back to re-lock: the round trip
        // went cross-thread) and handoffs past the starvation bound.
        using var meter = new MeterCounts();

        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"# {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, ping-pong (2 tasks), {rounds} interleaved rounds of "
                + $"{CondVarPingPongAsyncBenchmarks.RoundTrips} round trips, load average (1 min) {Infrastructure.LoadAverage.OneMinuteText()}"),
            "row                              ns/rt (min-max)          B/rt  pool items/rt  queued/rt handoffs/rt",
        };
        Console.WriteLine(lines[0]);
        Console.WriteLine(lines[1]);

        var samples = new List<double>[rows.Length];
        var bytes = new long[rows.Length];
        var items = new long[rows.Length];
        var queuedPerRow = new long[rows.Length];
        var handoffsPerRow = new long[rows.Length];
        for (var m = 0; m < rows.Length; m++)
        {
            samples[m] = [];

            // Warm-up: tiering (OSR, then tier 1 once the process has been quiet of new tier-0 code for a while: a
            // count of invocations is not enough, the rounds would measure unoptimized PinSync code against the
            // precompiled BCL), the waiter pools, pool threads.
            var warmUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 3 / 4);
            while (Stopwatch.GetTimestamp() < warmUntil)
            {
                rows[m].Run().GetAwaiter().GetResult();
            }
        }

        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < rows.Length; k++)
            {
                var m = (k + r) % rows.Length;
                var b0 = GC.GetTotalAllocatedBytes(precise: true);
                var i0 = ThreadPool.CompletedWorkItemCount;
                var (q0, h0) = (meter.Queued, meter.Handoffs);
                var t0 = Stopwatch.GetTimestamp();
                rows[m].Run().GetAwaiter().GetResult();
                samples[m].Add(Stopwatch.GetElapsedTime(t0).TotalNanoseconds / CondVarPingPongAsyncBenchmarks.RoundTrips);
                items[m] += ThreadPool.CompletedWorkItemCount - i0;
                bytes[m] += GC.GetTotalAllocatedBytes(precise: true) - b0;
                queuedPerRow[m] += meter.Queued - q0;
                handoffsPerRow[m] += meter.Handoffs - h0;
            }
        }

        bench.Cleanup();
        double ops = (double)rounds * CondVarPingPongAsyncBenchmarks.RoundTrips;
        var medians = samples.Select(Median).ToArray();
        for (var m = 0; m < rows.Length; m++)
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{rows[m].Name,-32} {medians[m],6:0} ({samples[m].Min(),5:0}-{samples[m].Max(),5:0})   {bytes[m] / ops,10:0.0} {items[m] / ops,14:0.00} {queuedPerRow[m] / ops,10:0.000} {handoffsPerRow[m] / ops,11:0.000}");
            Console.WriteLine(line);
            lines.Add(line);
        }

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"CondVar / SemaphoreSlim pair {medians[0] / medians[1]:0.00}, CondVar / Nito {medians[0] / medians[2]:0.00}, "
            + $"PinnedSemaphore pair / SemaphoreSlim pair {medians[3] / medians[1]:0.00}, no slot / slot {medians[5] / medians[0]:0.00}, strict FIFO / barging pair {medians[6] / medians[3]:0.00}, "
            + $"no run-next / run-next: CondVar {medians[7] / medians[0]:0.00}, PinnedSemaphore pair {medians[8] / medians[3]:0.00}; load average (1 min) now {Infrastructure.LoadAverage.OneMinuteText()}");
        Console.WriteLine(summary);
        lines.Add(summary);
        return lines;
    }

    /// <summary>The row with the mutex's notified-waiter slot off (RawMutex.NotifiedSlot.cs): the list instead.</summary>
    private static Func<Task> WithoutNotifiedSlot(Func<Task> run) =>
        WithSwitch(run, static () => RawMutex.s_notifiedSlot = false, static () => RawMutex.s_notifiedSlot = true);

    // The semaphore's discipline before barging (issue 13 item 6): every release hands its permit to the head.
    private static Func<Task> WithStrictFifo(Func<Task> run) =>
        WithSwitch(run, static () => RawSemaphore.s_strictFifo = true, static () => RawSemaphore.s_strictFifo = false);

    // Completions queued inside a completion go to the thread pool, as before the run-next slot (RunNextSlot.cs).
    internal static Func<Task> WithoutRunNext(Func<Task> run) =>
        WithSwitch(run, static () => Scheduling.RunNextSlot.s_enabled = false, static () => Scheduling.RunNextSlot.s_enabled = true);

    /// <summary>A row that runs with a library switch flipped by <paramref name="on"/> and restored by
    /// <paramref name="off"/>.</summary>
    private static Func<Task> WithSwitch(Func<Task> run, Action on, Action off) => async () =>
    {
        on();
        try
        {
            await run();
        }
        finally
        {
            off();
        }
    };

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
