using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PinSync.Bench.Infrastructure;

namespace PinSync.Bench.Latency;

/// <summary>
/// Fairness and latency under saturation (<c>--latency</c>): workers acquire one lock back to back for a fixed time;
/// each acquisition's wait (from the call to holding the lock) goes into a preallocated per-worker array. Reports
/// p50/p99/p99.9/max wait, throughput, and how evenly the acquisitions were shared. BenchmarkDotNet reports means;
/// a starvation bound is a statement about the tail, hence this separate mode.
/// </summary>
internal static partial class LatencyRunner
{
    private const int SamplesPerWorker = 1 << 21;

    /// <summary>Extra starvation thresholds to measure the PinnedMutex rows under (<c>--thresholds 250,500</c>, in
    /// microseconds); none by default.</summary>
    internal static TimeSpan[] Thresholds { get; set; } = [];

    /// <summary>Runs every scenario for <paramref name="seconds"/> each and writes <c>latency.json</c> into
    /// <paramref name="resultsDirectory"/>.</summary>
    internal static void Run(double seconds, string resultsDirectory)
    {
        var started = DateTimeOffset.UtcNow;
        var loadBefore = LoadAverage.OneMinuteText();
        Console.WriteLine($"Latency under saturation: {seconds:0.#} s per row, load average (1 min) {loadBefore}");
        var rows = new List<LatencyRow>();
        foreach (var threads in new[] { 2, 4 })
        {
            rows.Add(RunSync("PinnedMutex: Lock", threads, seconds, SyncPinnedMutex()));
            rows.Add(RunSync("Lock: EnterScope", threads, seconds, SyncLock()));
            rows.Add(RunSync("SemaphoreSlim(1,1): Wait", threads, seconds, SyncSemaphoreSlim()));
            rows.Add(RunSync("PinnedSemaphore(1): Wait", threads, seconds, SyncPinnedSemaphore()));
        }

        foreach (var tasks in new[] { 16 })
        {
            rows.Add(RunAsync("PinnedMutex: LockAsync", tasks, seconds, AsyncPinnedMutex()));
            rows.Add(RunAsync("SemaphoreSlim(1,1): WaitAsync", tasks, seconds, AsyncSemaphoreSlim()));
            rows.Add(RunAsync("PinnedSemaphore(1): WaitAsync", tasks, seconds, AsyncPinnedSemaphore()));
        }

        // Opt-in (--thresholds): the PinnedMutex rows again under other starvation thresholds, in the same run.
        var defaultThreshold = RawMutex.StarvationThreshold;
        foreach (var threshold in Thresholds)
        {
            RawMutex.StarvationThreshold = threshold;
            try
            {
                var label = string.Create(CultureInfo.InvariantCulture, $" (threshold {threshold.TotalMicroseconds:0} us)");
                foreach (var threads in new[] { 2, 4 })
                {
                    rows.Add(RunSync("PinnedMutex: Lock" + label, threads, seconds, SyncPinnedMutex()));
                }

                rows.Add(RunAsync("PinnedMutex: LockAsync" + label, 16, seconds, AsyncPinnedMutex()));
            }
            finally
            {
                RawMutex.StarvationThreshold = defaultThreshold;
            }
        }

        var report = new LatencyReport
        {
            StartedUtc = started,
            FinishedUtc = DateTimeOffset.UtcNow,
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = LoadAverage.OneMinuteText(),
            SecondsPerRow = seconds,
            ProcessorCount = Environment.ProcessorCount,
            Runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            Rows = rows,
        };
        Directory.CreateDirectory(resultsDirectory);
        var path = Path.Combine(resultsDirectory, "latency.json");
        File.WriteAllText(path, JsonSerializer.Serialize(report, LatencyJson.Default.LatencyReport));
        Console.WriteLine($"Written {path}");
    }

    private static LatencyRow RunSync(string primitive, int threads, double seconds, Func<long[], Func<bool>, int> body)
    {
        // Warm up (JIT tiers, pools) on one short run, then measure.
        Measure(threads, 0.2, body);
        var (samples, counts, elapsed, runnable) = Measure(threads, seconds, body);
        return Summarize(primitive, $"sync, {threads} threads", threads, samples, counts, elapsed, runnable);
    }

    private static (long[][] Samples, int[] Counts, double Elapsed, double? RunnableShare) Measure(int threads, double seconds,
        Func<long[], Func<bool>, int> body)
    {
        var samples = new long[threads][];
        var counts = new int[threads];
        long runNs = 0, waitNs = 0, unreadable = 0;
        var stopAt = 0L;
        var start = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            var index = i;
            samples[i] = new long[SamplesPerWorker];
            workers[i] = new Thread(() =>
            {
                start.SignalAndWait();
                var first = SchedStat.ReadThisThread();
                counts[index] = body(samples[index], () => Stopwatch.GetTimestamp() >= Volatile.Read(ref stopAt));
                if (first is { } a && SchedStat.ReadThisThread() is { } b)
                {
                    Interlocked.Add(ref runNs, b.RunNs - a.RunNs);
                    Interlocked.Add(ref waitNs, b.WaitNs - a.WaitNs);
                }
                else
                {
                    Interlocked.Increment(ref unreadable);
                }
            }) { IsBackground = true };
            workers[i].Start();
        }

        Volatile.Write(ref stopAt, long.MaxValue);
        var t0 = Stopwatch.GetTimestamp();
        Volatile.Write(ref stopAt, t0 + (long)(seconds * Stopwatch.Frequency));
        start.SignalAndWait();
        foreach (var worker in workers)
        {
            worker.Join();
        }

        double? share = unreadable == 0 && runNs + waitNs > 0 ? waitNs / (double)(runNs + waitNs) : null;
        return (samples, counts, Stopwatch.GetElapsedTime(t0).TotalSeconds, share);
    }

    private static LatencyRow RunAsync(string primitive, int tasks, double seconds, Func<long[], Func<bool>, ValueTask<int>> body)
    {
        MeasureAsync(tasks, 0.2, body);
        var before = SchedStat.Read();
        var (samples, counts, elapsed) = MeasureAsync(tasks, seconds, body);
        return Summarize(primitive, $"async, {tasks} tasks", tasks, samples, counts, elapsed, SchedStat.RunnableShare(before, SchedStat.Read()));
    }

    private static (long[][] Samples, int[] Counts, double Elapsed) MeasureAsync(int tasks, double seconds,
        Func<long[], Func<bool>, ValueTask<int>> body)
    {
        var samples = new long[tasks][];
        for (var i = 0; i < tasks; i++)
        {
            samples[i] = new long[SamplesPerWorker / 4];
        }

        var t0 = Stopwatch.GetTimestamp();
        var stopAt = t0 + (long)(seconds * Stopwatch.Frequency);
        Func<bool> stop = () => Stopwatch.GetTimestamp() >= stopAt;
        var running = new Task<int>[tasks];
        for (var i = 0; i < tasks; i++)
        {
            running[i] = body(samples[i], stop).AsTask();
        }

        var counts = Task.WhenAll(running).GetAwaiter().GetResult();
        return (samples, counts, Stopwatch.GetElapsedTime(t0).TotalSeconds);
    }

    private static LatencyRow Summarize(string primitive, string scenario, int workers, long[][] samples, int[] counts, double elapsed,
        double? runnableShare)
    {
        var total = counts.Sum();
        var all = new long[total];
        var at = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            Array.Copy(samples[i], 0, all, at, counts[i]);
            at += counts[i];
        }

        Array.Sort(all);
        double Micro(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        double Percentile(double p) => total == 0 ? 0 : Micro(all[Math.Min(total - 1, (int)Math.Ceiling(p * total) - 1)]);
        var fair = total / (double)workers;
        var row = new LatencyRow
        {
            Scenario = scenario,
            Primitive = primitive,
            Workers = workers,
            Acquisitions = total,
            PerSecond = total / elapsed,
            P50Us = Percentile(0.50),
            P99Us = Percentile(0.99),
            P999Us = Percentile(0.999),
            MaxUs = total == 0 ? 0 : Micro(all[^1]),
            MinShare = counts.Min() / fair,
            MaxShare = counts.Max() / fair,
            RunnableShare = runnableShare,
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{scenario,-18} {primitive,-30} {total,10:N0} acq  {row.PerSecond,12:N0}/s  p50 {row.P50Us,8:0.0} us  p99 {row.P99Us,8:0.0} us  " +
            $"p99.9 {row.P999Us,9:0.0} us  max {row.MaxUs,9:0.0} us  share {row.MinShare:0.00}-{row.MaxShare:0.00}  " +
            $"runnable-not-running {(runnableShare is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : "n/a")}"));
        return row;
    }
}

/// <summary>One primitive in one latency scenario.</summary>
internal sealed class LatencyRow
{
    public string Scenario { get; set; } = "";
    public string Primitive { get; set; } = "";
    public int Workers { get; set; }
    public long Acquisitions { get; set; }
    public double PerSecond { get; set; }
    public double P50Us { get; set; }
    public double P99Us { get; set; }
    public double P999Us { get; set; }
    public double MaxUs { get; set; }

    /// <summary>The least-served worker's acquisitions over an even share (1.0 = perfectly even).</summary>
    public double MinShare { get; set; }

    /// <summary>The most-served worker's acquisitions over an even share.</summary>
    public double MaxShare { get; set; }

    /// <summary>Of the time the row's threads wanted a CPU (running or waiting on a run queue: each worker thread's own
    /// <c>/proc/thread-self/schedstat</c> for blocking rows, every thread of the process for async ones), the share
    /// they spent runnable but not running: the OS scheduler's
    /// part of every wait, which no lock can remove. Null where schedstat is not available.</summary>
    public double? RunnableShare { get; set; }
}

/// <summary>Per-thread scheduler statistics of this process (Linux <c>/proc/self/task/*/schedstat</c>: nanoseconds
/// on a CPU, nanoseconds waiting on a run queue, time slices).</summary>
internal static class SchedStat
{
    /// <summary>The sums over the process's current threads, or null where the files do not exist.</summary>
    internal static (long RunNs, long WaitNs)? Read()
    {
        const string tasks = "/proc/self/task";
        if (!Directory.Exists(tasks))
        {
            return null;
        }

        long run = 0, wait = 0;
        foreach (var dir in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                var parts = File.ReadAllText(Path.Combine(dir, "schedstat")).Split(' ');
                run += long.Parse(parts[0], CultureInfo.InvariantCulture);
                wait += long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }

        return (run, wait);
    }

    /// <summary>The calling thread's (on a CPU, waiting on a run queue) in nanoseconds, or null where not available.</summary>
    internal static (long RunNs, long WaitNs)? ReadThisThread()
    {
        try
        {
            var parts = File.ReadAllText("/proc/thread-self/schedstat").Split(' ');
            return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Waiting over running + waiting between two readings (threads that ended in between are undercounted).</summary>
    internal static double? RunnableShare((long RunNs, long WaitNs)? before, (long RunNs, long WaitNs)? after)
    {
        if (before is not { } b || after is not { } a)
        {
            return null;
        }

        var run = a.RunNs - b.RunNs;
        var wait = a.WaitNs - b.WaitNs;
        return run + wait > 0 && wait >= 0 ? wait / (double)(run + wait) : null;
    }
}

/// <summary>The <c>latency.json</c> file.</summary>
internal sealed class LatencyReport
{
    public DateTimeOffset StartedUtc { get; set; }
    public DateTimeOffset FinishedUtc { get; set; }
    public string LoadAverageBefore { get; set; } = "";
    public string LoadAverageAfter { get; set; } = "";
    public double SecondsPerRow { get; set; }
    public int ProcessorCount { get; set; }
    public string Runtime { get; set; } = "";
    public List<LatencyRow> Rows { get; set; } = [];
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(LatencyReport))]
internal sealed partial class LatencyJson : System.Text.Json.Serialization.JsonSerializerContext;
