using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using PinSync.Bench.Sync;

namespace PinSync.Bench.Profiling;

/// <summary>
/// <c>--profile</c>: the contended async workload of <see cref="ContendedAsyncBenchmarks"/>, instrumented from the
/// outside (the primitives are not touched): per acquisition, the time, the bytes allocated, the thread-pool work
/// items run, the lock contentions counted by the runtime, and the share of acquisitions that completed synchronously
/// (the caller barged in on the fast path instead of queueing).
/// </summary>
internal static class ContentionProfile
{
    private const int OpsPerRound = 1 << 16;

    // PinSync's own meter (slow paths only): waits that queued, and unlocks that handed the lock to a starving waiter.
    private static long s_queued;
    private static long s_handoffs;

    /// <summary>Runs every row for <paramref name="secondsPerRow"/> and writes the table to <c>profile.txt</c> in
    /// <paramref name="resultsDirectory"/> as well as to the console.</summary>
    internal static void Run(double secondsPerRow, string resultsDirectory)
    {
        var lines = new List<string>
        {
            $"# {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {secondsPerRow:0.#} s per row, load average (1 min) {Infrastructure.LoadAverage.OneMinuteText()}",
            "tasks body      wait     primitive       ns/acq  B/acq  pool items/acq  contentions/acq  sync-completed  queued  handoffs",
        };
        Console.WriteLine(lines[0]);
        Console.WriteLine(lines[1]);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "PinSync" && instrument.Name is "pinsync.contended_acquisitions" or "pinsync.handoffs")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            Interlocked.Add(ref instrument.Name == "pinsync.handoffs" ? ref s_handoffs : ref s_queued, value));
        listener.Start();
        foreach (var tasks in new[] { 2, 4, 16, 64 })
        {
            foreach (var body in new[] { HoldBody.Increment, HoldBody.Yield })
            {
                foreach (var wait in new[] { WaitMode.Plain, WaitMode.Token, WaitMode.Timeout })
                {
                    lines.Add(Row(tasks, body, wait, secondsPerRow, new SemaphoreSlimTarget()));
                    lines.Add(Row(tasks, body, wait, secondsPerRow, new PinnedMutexTarget()));
                }
            }
        }

        lines.Add("");
        lines.AddRange(PingPongProfile.Run(secondsPerRow));
        lines.Add("");
        lines.AddRange(SyncProfile.Run(secondsPerRow, static () => (Interlocked.Read(ref s_queued), Interlocked.Read(ref s_handoffs))));

        Directory.CreateDirectory(resultsDirectory);
        var path = Path.Combine(resultsDirectory, "profile.txt");
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Written {path}");
    }

    private static string Row(int tasks, HoldBody body, WaitMode wait, double seconds, Target target)
    {
        using var cts = new CancellationTokenSource();
        var token = wait == WaitMode.Token ? cts.Token : CancellationToken.None;
        var yieldInside = body == HoldBody.Yield;
        var workers = new ValueTask[tasks];

        void RunRound()
        {
            for (var i = 0; i < tasks; i++)
            {
                workers[i] = target.Worker(OpsPerRound / tasks, yieldInside, wait, token);
            }

            for (var i = 0; i < tasks; i++)
            {
                workers[i].AsTask().GetAwaiter().GetResult();
            }
        }

        // Warm up: tiering, pools.
        var warmUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 5);
        while (Stopwatch.GetTimestamp() < warmUntil)
        {
            RunRound();
        }

        target.SyncCompletions = 0;
        Interlocked.Exchange(ref s_queued, 0);
        Interlocked.Exchange(ref s_handoffs, 0);
        var rounds = 0;
        var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        var items0 = ThreadPool.CompletedWorkItemCount;
        var contention0 = Monitor.LockContentionCount;
        var t0 = Stopwatch.GetTimestamp();
        var until = t0 + (long)(seconds * Stopwatch.Frequency);
        do
        {
            RunRound();
            rounds++;
        }
        while (Stopwatch.GetTimestamp() < until);

        var elapsed = Stopwatch.GetElapsedTime(t0);
        double ops = (double)rounds * OpsPerRound;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{tasks,5} {body,-9} {wait,-8} {target.Name,-14} {elapsed.TotalNanoseconds / ops,7:0} {(GC.GetTotalAllocatedBytes(true) - bytes0) / ops,6:0.0} " +
            $"{(ThreadPool.CompletedWorkItemCount - items0) / ops,15:0.00} {(Monitor.LockContentionCount - contention0) / ops,16:0.000} " +
            $"{Interlocked.Read(ref target.SyncCompletions) / ops,14:P0}  {Interlocked.Read(ref s_queued) / ops,6:P1}  {Interlocked.Read(ref s_handoffs) / ops,8:P2}");
        Console.WriteLine(line);
        return line;
    }

    private abstract class Target
    {
        public long SyncCompletions;

        internal abstract string Name { get; }

        internal abstract ValueTask Worker(int ops, bool yieldInside, WaitMode wait, CancellationToken token);
    }

    private sealed class SemaphoreSlimTarget : Target
    {
        private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
        private readonly SemaphoreSlim _semaphore = new(1, 1);
        private long _counter;

        internal override string Name => "SemaphoreSlim";

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        internal override async ValueTask Worker(int ops, bool yieldInside, WaitMode wait, CancellationToken token)
        {
            await Task.Yield();
            for (var i = 0; i < ops; i++)
            {
                if (wait == WaitMode.Timeout)
                {
                    var pending = _semaphore.WaitAsync(s_timeout, token);
                    if (pending.IsCompleted)
                    {
                        Interlocked.Increment(ref SyncCompletions);
                    }

                    if (!await pending)
                    {
                        throw new TimeoutException();
                    }
                }
                else
                {
                    var pending = _semaphore.WaitAsync(token);
                    if (pending.IsCompleted)
                    {
                        Interlocked.Increment(ref SyncCompletions);
                    }

                    await pending;
                }

                _counter++;
                if (yieldInside)
                {
                    await Task.Yield();
                }

                _semaphore.Release();
            }
        }
    }

    private sealed class PinnedMutexTarget : Target
    {
        private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
        private readonly PinnedMutex<long> _mutex = new(0);

        internal override string Name => "PinnedMutex";

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        internal override async ValueTask Worker(int ops, bool yieldInside, WaitMode wait, CancellationToken token)
        {
            await Task.Yield();
            for (var i = 0; i < ops; i++)
            {
                var pending = wait == WaitMode.Timeout ? _mutex.TryLockAsync(s_timeout, token) : _mutex.LockAsync(token);
                if (pending.IsCompleted)
                {
                    Interlocked.Increment(ref SyncCompletions);
                }

                using var guard = await pending;
                if (!guard.Acquired)
                {
                    throw new TimeoutException();
                }

                guard.Value++;
                if (yieldInside)
                {
                    await Task.Yield();
                }
            }
        }
    }
}
