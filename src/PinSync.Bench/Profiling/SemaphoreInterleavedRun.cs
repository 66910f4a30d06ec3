using System.Diagnostics;
using System.Globalization;
using PinSync.Bench.Sync;

namespace PinSync.Bench.Profiling;

/// <summary>
/// <c>--ab-semaphore [--rounds n] [--fairness-seconds s] [--tables mixed,throttling,sustained,fairness]</c>: PinnedSemaphore's queue discipline, old against new, in
/// one process and interleaved (issue 13 item 6). "fifo" is the discipline before the change (strict FIFO, direct
/// handoff to every queued waiter, no barging: <see cref="RawSemaphore.s_strictFifo"/> on for its rounds), "barging"
/// the current one (barging with the starvation handoff). Three tables:
/// <list type="bullet">
/// <item>the mixed class (<see cref="MixedContentionBenchmarks"/>'s own round methods: 2 blocking threads + 2 async
/// tasks on one permit), ns per acquisition, with SemaphoreSlim and PinnedMutex in the same rotation;</item>
/// <item>the throttling class (<see cref="SemaphoreThrottlingBenchmarks"/>: 64 tasks, 4 permits), both bodies;</item>
/// <item>the mixed workload held for a fixed time (a quarter of the fairness time per run), where every worker runs
/// while the clock runs;</item>
/// <item>fairness: one async waiter against two threads that re-take the permit at once, for a fixed time: total
/// acquisitions, the async waiter's acquisitions and its longest wait.</item>
/// </list>
/// Each round runs every column once in a rotating order, so a burst of outside load hits all alike; the tables give
/// medians (and min–max) over the rounds.
/// </summary>
internal static class SemaphoreInterleavedRun
{
    /// <summary>Runs the tables named in <paramref name="tables"/> (<c>mixed</c>, <c>throttling</c>, <c>sustained</c>, <c>fairness</c>;
    /// all when empty) and writes them to the console and to <c>ab-semaphore.txt</c>.</summary>
    internal static void Run(int rounds, double fairnessSeconds, string[] tables, string resultsDirectory)
    {
        bool Wanted(string table) => tables.Length == 0 || tables.Contains(table, StringComparer.OrdinalIgnoreCase);

        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"# {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {rounds} interleaved rounds, load average (1 min) {Infrastructure.LoadAverage.OneMinuteText()}"),
        };
        if (Wanted("mixed"))
        {
            Emit(lines, MixedTable(rounds));
        }

        if (Wanted("throttling"))
        {
            Emit(lines, ThrottlingTable(HoldBody.Increment, rounds));
            Emit(lines, ThrottlingTable(HoldBody.Yield, rounds));
        }

        if (Wanted("sustained"))
        {
            Emit(lines, SustainedMixedTable(Math.Max(3, rounds / 3), fairnessSeconds / 4));
        }

        if (Wanted("fairness"))
        {
            Emit(lines, FairnessTable(Math.Max(3, rounds / 3), fairnessSeconds));
        }

        Directory.CreateDirectory(resultsDirectory);
        File.WriteAllLines(Path.Combine(resultsDirectory, "ab-semaphore.txt"), lines);
    }

    private static void Emit(List<string> lines, IEnumerable<string> table)
    {
        foreach (var line in table)
        {
            Console.WriteLine(line);
            lines.Add(line);
        }
    }

    private static IEnumerable<string> MixedTable(int rounds)
    {
        var columns = new (string Name, bool Fifo, Func<MixedContentionBenchmarks, Task> Round, Action<MixedContentionBenchmarks> Setup)[]
        {
            ("SemaphoreSlim", false, b => b.SemaphoreSlimRound(), b => b.SetupSemaphoreSlim()),
            ("PinnedSemaphore barging", false, b => b.PinnedSemaphoreRound(), b => b.SetupPinnedSemaphore()),
            ("PinnedSemaphore fifo", true, b => b.PinnedSemaphoreRound(), b => b.SetupPinnedSemaphore()),
            ("PinnedMutex", false, b => b.PinnedMutexRound(), b => b.SetupPinnedMutex()),
        };
        var benches = columns.Select(c =>
        {
            var bench = new MixedContentionBenchmarks { Threads = 2, Tasks = 2 };
            c.Setup(bench);
            return bench;
        }).ToArray();
        try
        {
            var times = Interleave(columns.Length, rounds, i => TimeRound(() => columns[i].Round(benches[i]), columns[i].Fifo,
                MixedContentionBenchmarks.OpsPerRound));
            yield return "";
            yield return $"## mixed: 2 threads (Wait) + 2 tasks (WaitAsync) on one permit, ns per acquisition ({MixedContentionBenchmarks.OpsPerRound} per round)";
            foreach (var line in Rows(columns.Select(c => c.Name).ToArray(), times, baseline: 0))
            {
                yield return line;
            }
        }
        finally
        {
            foreach (var bench in benches)
            {
                bench.Cleanup();
            }
        }
    }

    private static IEnumerable<string> ThrottlingTable(HoldBody body, int rounds)
    {
        var columns = new (string Name, bool Fifo, Func<SemaphoreThrottlingBenchmarks, Task> Round)[]
        {
            ("SemaphoreSlim", false, b => b.SemaphoreSlimThrottle()),
            ("PinnedSemaphore barging", false, b => b.PinnedSemaphoreThrottle()),
            ("PinnedSemaphore fifo", true, b => b.PinnedSemaphoreThrottle()),
            ("DotNext AsyncCounter", false, b => b.DotNextThrottle()),
        };
        var benches = columns.Select(_ => new SemaphoreThrottlingBenchmarks { Body = body }).ToArray();
        try
        {
            var times = Interleave(columns.Length, rounds, i => TimeRound(() => columns[i].Round(benches[i]), columns[i].Fifo,
                SemaphoreThrottlingBenchmarks.OpsPerRound));
            yield return "";
            yield return $"## throttling: {SemaphoreThrottlingBenchmarks.Workers} tasks, {SemaphoreThrottlingBenchmarks.Permits} permits, body {body}, ns per acquisition";
            foreach (var line in Rows(columns.Select(c => c.Name).ToArray(), times, baseline: 0))
            {
                yield return line;
            }
        }
        finally
        {
            foreach (var bench in benches)
            {
                bench.Cleanup();
            }
        }
    }

    private static double TimeRound(Func<Task> round, bool fifo, int ops)
    {
        RawSemaphore.s_strictFifo = fifo;
        try
        {
            var watch = Stopwatch.StartNew();
            round().GetAwaiter().GetResult();
            return watch.Elapsed.TotalNanoseconds / ops;
        }
        finally
        {
            RawSemaphore.s_strictFifo = false;
        }
    }

    /// <summary>One warm-up round, then <paramref name="rounds"/> rounds of every column in a rotating order.</summary>
    private static List<double>[] Interleave(int columns, int rounds, Func<int, double> run)
    {
        var times = Enumerable.Range(0, columns).Select(_ => new List<double>()).ToArray();
        for (var i = 0; i < columns; i++)
        {
            run(i);
        }

        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < columns; k++)
            {
                var i = (r + k) % columns;
                times[i].Add(run(i));
            }
        }

        return times;
    }

    private static IEnumerable<string> Rows(string[] names, List<double>[] times, int baseline)
    {
        var baseMedian = Median(times[baseline]);
        for (var i = 0; i < names.Length; i++)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{names[i],-26} median {Median(times[i]),9:F1} ns  (min {times[i].Min(),9:F1}, max {times[i].Max(),9:F1})  / {names[baseline]} {Median(times[i]) / baseMedian,6:F2}");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    // ---- sustained contention: threads and async tasks loop for a fixed time ----

    private static IEnumerable<string> FairnessTable(int rounds, double seconds) =>
        SustainedTable("fairness: one async waiter vs two threads re-taking one permit at once", threads: 2, tasks: 1, rounds, seconds);

    /// <summary>The mixed class's workload held for a fixed time instead of a fixed count (a 16 384-acquisition round
    /// lasts well under a millisecond, less than a loaded machine takes to wake the crew, so its sides may never
    /// overlap): every worker is running while the clock runs.</summary>
    private static IEnumerable<string> SustainedMixedTable(int rounds, double seconds) =>
        SustainedTable("mixed, sustained: 2 threads (Wait) + 2 tasks (WaitAsync) on one permit", threads: 2, tasks: 2, rounds, seconds);

    private static IEnumerable<string> SustainedTable(string title, int threads, int tasks, int rounds, double seconds)
    {
        var names = new[] { "SemaphoreSlim", "PinnedSemaphore barging", "PinnedSemaphore fifo" };
        var results = names.Select(_ => new List<FairnessResult>()).ToArray();
        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < names.Length; k++)
            {
                var i = (r + k) % names.Length;
                IFairnessSemaphore semaphore = i == 0 ? new SlimAdapter() : new PinnedAdapter(fifo: i == 2);
                results[i].Add(Sustained(semaphore, threads, tasks, seconds));
            }
        }

        yield return "";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"## {title}, {seconds:F1} s per run, {rounds} runs (medians; max wait: worst run, and the median run's)");
        var baseNs = Median(results[0].Select(x => seconds * 1e9 / x.Total).ToList());
        for (var i = 0; i < names.Length; i++)
        {
            var ns = Median(results[i].Select(x => seconds * 1e9 / x.Total).ToList());
            var total = Median(results[i].Select(x => (double)x.Total).ToList());
            var async = Median(results[i].Select(x => (double)x.Async).ToList());
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{names[i],-26} {ns,8:F1} ns/acq (/ SemaphoreSlim {ns / baseNs,5:F2})  total {total,12:N0}  async side {async,11:N0}  async max wait {results[i].Max(x => x.MaxWaitMs),7:F2} ms ({Median(results[i].Select(x => x.MaxWaitMs).ToList()):F2})");
        }
    }

    private readonly record struct FairnessResult(long Total, long Async, double MaxWaitMs);

    private interface IFairnessSemaphore : IDisposable
    {
        void Wait();

        ValueTask WaitAsync();

        void Release();
    }

    private sealed class SlimAdapter : IFairnessSemaphore
    {
        private readonly SemaphoreSlim _semaphore = new(1, 1);

        public void Wait() => _semaphore.Wait();

        public ValueTask WaitAsync() => new(_semaphore.WaitAsync());

        public void Release() => _semaphore.Release();

        public void Dispose() => _semaphore.Dispose();
    }

    private sealed class PinnedAdapter(bool fifo) : IFairnessSemaphore
    {
        private readonly PinnedSemaphore _semaphore = new(1, 1);

        public bool Fifo => fifo;

        public void Wait() => _semaphore.Wait();

        public ValueTask WaitAsync() => _semaphore.WaitAsync();

        public void Release() => _semaphore.Release();

        public void Dispose() => _semaphore.Dispose();
    }

    private static FairnessResult Sustained(IFairnessSemaphore semaphore, int threadCount, int taskCount, double seconds)
    {
        RawSemaphore.s_strictFifo = semaphore is PinnedAdapter { Fifo: true };
        try
        {
            using (semaphore)
            {
                var stop = 0;
                var counts = new long[threadCount + taskCount];
                var threads = Enumerable.Range(0, threadCount).Select(t => new Thread(() =>
                {
                    long n = 0;
                    while (Volatile.Read(ref stop) == 0)
                    {
                        semaphore.Wait();
                        n++;
                        semaphore.Release();
                    }

                    counts[t] = n;
                }) { IsBackground = true }).ToArray();
                var maxWaitTicks = new long[taskCount];
                var asyncSide = Enumerable.Range(0, taskCount).Select(k => Task.Run(async () =>
                {
                    long n = 0;
                    long max = 0;
                    while (Volatile.Read(ref stop) == 0)
                    {
                        var start = Stopwatch.GetTimestamp();
                        await semaphore.WaitAsync();
                        max = Math.Max(max, Stopwatch.GetTimestamp() - start);
                        n++;
                        semaphore.Release();
                    }

                    counts[threadCount + k] = n;
                    maxWaitTicks[k] = max;
                })).ToArray();
                foreach (var thread in threads)
                {
                    thread.Start();
                }

                Thread.Sleep(TimeSpan.FromSeconds(seconds));
                Volatile.Write(ref stop, 1);
                foreach (var thread in threads)
                {
                    thread.Join();
                }

                Task.WaitAll(asyncSide);
                return new FairnessResult(counts.Sum(), counts.Skip(threadCount).Sum(), maxWaitTicks.Max() * 1000.0 / Stopwatch.Frequency);
            }
        }
        finally
        {
            RawSemaphore.s_strictFifo = false;
        }
    }
}
