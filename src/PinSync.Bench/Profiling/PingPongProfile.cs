using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace PinSync.Bench.Profiling;

/// <summary>
/// Part of <c>--profile</c>: the async ping-pong of <see cref="Sync.CondVarPingPongAsyncBenchmarks"/>, counting per
/// round trip the time, bytes allocated and thread-pool work items, with three PinSync variants that isolate where
/// the time goes: the full CondVar handoff, the same with the notification sent after the mutex is released (no wait
/// morphing), and a <see cref="PinnedSemaphore"/> pair (the same handoff as the BCL idiom, on PinSync's waiters).
/// </summary>
internal static class PingPongProfile
{
    private const int RoundTrips = 4096;

    internal static IEnumerable<string> Run(double secondsPerRow)
    {
        yield return "ping-pong (2 tasks)                         ns/rt   B/rt  pool items/rt";
        yield return Row("SemaphoreSlim pair", secondsPerRow, SemaphoreSlimPair());
        yield return Row("PinnedSemaphore pair", secondsPerRow, PinnedSemaphorePair());
        yield return Row("CondVar, notify under the lock", secondsPerRow, CondVarPair(notifyUnderLock: true));
        yield return Row("CondVar, notify after unlock", secondsPerRow, CondVarPair(notifyUnderLock: false));
    }

    private static string Row(string name, double seconds, Func<Task> round)
    {
        var warmUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 5);
        while (Stopwatch.GetTimestamp() < warmUntil)
        {
            round().GetAwaiter().GetResult();
        }

        var rounds = 0;
        var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        var items0 = ThreadPool.CompletedWorkItemCount;
        var t0 = Stopwatch.GetTimestamp();
        var until = t0 + (long)(seconds * Stopwatch.Frequency);
        do
        {
            round().GetAwaiter().GetResult();
            rounds++;
        }
        while (Stopwatch.GetTimestamp() < until);

        var elapsed = Stopwatch.GetElapsedTime(t0);
        double ops = (double)rounds * RoundTrips;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{name,-42} {elapsed.TotalNanoseconds / ops,6:0} {(GC.GetTotalAllocatedBytes(true) - bytes0) / ops,6:0.0} " +
            $"{(ThreadPool.CompletedWorkItemCount - items0) / ops,14:0.00}");
        Console.WriteLine(line);
        return line;
    }

    private static Func<Task> SemaphoreSlimPair()
    {
        var ping = new SemaphoreSlim(0, 1);
        var pong = new SemaphoreSlim(0, 1);
        return async () =>
        {
            var a = Side(ping, pong, first: true);
            var b = Side(pong, ping, first: false);
            await a;
            await b;
        };

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        static async ValueTask Side(SemaphoreSlim mine, SemaphoreSlim theirs, bool first)
        {
            await Task.Yield();
            for (var i = 0; i < RoundTrips; i++)
            {
                if (first)
                {
                    theirs.Release();
                    await mine.WaitAsync();
                }
                else
                {
                    await mine.WaitAsync();
                    theirs.Release();
                }
            }
        }
    }

    internal static Func<Task> PinnedSemaphorePair()
    {
        var ping = new PinnedSemaphore(0, 1);
        var pong = new PinnedSemaphore(0, 1);
        return async () =>
        {
            var a = Side(ping, pong, first: true);
            var b = Side(pong, ping, first: false);
            await a;
            await b;
        };

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        static async ValueTask Side(PinnedSemaphore mine, PinnedSemaphore theirs, bool first)
        {
            await Task.Yield();
            for (var i = 0; i < RoundTrips; i++)
            {
                if (first)
                {
                    theirs.Release();
                    await mine.WaitAsync();
                }
                else
                {
                    await mine.WaitAsync();
                    theirs.Release();
                }
            }
        }
    }

    internal static Func<Task> CondVarPair(bool notifyUnderLock)
    {
        var mutex = new PinnedMutex<int>(0);
        var condVar = new CondVar();
        return async () =>
        {
            var a = Side(0, 1);
            var b = Side(1, 0);
            await a;
            await b;
        };

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        async ValueTask Side(int mine, int theirs)
        {
            await Task.Yield();
            for (var i = 0; i < RoundTrips; i++)
            {
                var guard = await mutex.LockAsync();
                try
                {
                    while (guard.Value != mine)
                    {
                        await condVar.WaitAsync(guard);
                    }

                    guard.Value = theirs;
                    if (notifyUnderLock)
                    {
                        condVar.NotifyOne();
                    }
                }
                finally
                {
                    guard.Dispose();
                }

                if (!notifyUnderLock)
                {
                    condVar.NotifyOne();
                }
            }
        }
    }
}
