using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PinSync.Bench.Latency;

/// <summary>The latency rows' workers: one loop per primitive that times each acquisition and holds it briefly.</summary>
internal static partial class LatencyRunner
{
    // Work inside the lock: a few dozen nanoseconds, so that the lock is always wanted.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Hold(ref long counter)
    {
        counter++;
        Thread.SpinWait(10);
    }

    private static Func<long[], Func<bool>, int> SyncPinnedMutex()
    {
        var mutex = new PinnedMutex<long>(0);
        return (samples, stop) =>
        {
            var n = 0;
            while (n < samples.Length && !stop())
            {
                var t0 = Stopwatch.GetTimestamp();
                using var guard = mutex.Lock();
                samples[n++] = Stopwatch.GetTimestamp() - t0;
                Hold(ref guard.Value);
            }

            return n;
        };
    }

    private static Func<long[], Func<bool>, int> SyncLock()
    {
        var gate = new Lock();
        long counter = 0;
        return (samples, stop) =>
        {
            var n = 0;
            while (n < samples.Length && !stop())
            {
                var t0 = Stopwatch.GetTimestamp();
                using (gate.EnterScope())
                {
                    samples[n++] = Stopwatch.GetTimestamp() - t0;
                    Hold(ref counter);
                }
            }

            return n;
        };
    }

    private static Func<long[], Func<bool>, ValueTask<int>> AsyncPinnedMutex()
    {
        var mutex = new PinnedMutex<long>(0);
        return Worker;

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        async ValueTask<int> Worker(long[] samples, Func<bool> stop)
        {
            await Task.Yield();
            var n = 0;
            while (n < samples.Length && !stop())
            {
                var t0 = Stopwatch.GetTimestamp();
                using var guard = await mutex.LockAsync();
                samples[n++] = Stopwatch.GetTimestamp() - t0;
                Hold(ref guard.Value);
            }

            return n;
        }
    }

    private static Func<long[], Func<bool>, int> SyncSemaphoreSlim()
    {
        var semaphore = new SemaphoreSlim(1, 1);
        return SyncSemaphore(() => semaphore.Wait(), () => semaphore.Release());
    }

    // PinnedSemaphore(1) lets newcomers barge as the mutex does, bounded by the same starvation threshold (issue 13
    // items 4 and 6): its rows show that bound for a semaphore.
    private static Func<long[], Func<bool>, int> SyncPinnedSemaphore()
    {
        var semaphore = new PinnedSemaphore(1, 1);
        return SyncSemaphore(() => semaphore.Wait(), () => semaphore.Release());
    }

    private static Func<long[], Func<bool>, ValueTask<int>> AsyncSemaphoreSlim()
    {
        var semaphore = new SemaphoreSlim(1, 1);
        return AsyncSemaphore(() => new ValueTask(semaphore.WaitAsync()), () => semaphore.Release());
    }

    private static Func<long[], Func<bool>, ValueTask<int>> AsyncPinnedSemaphore()
    {
        var semaphore = new PinnedSemaphore(1, 1);
        return AsyncSemaphore(() => semaphore.WaitAsync(), () => semaphore.Release());
    }

    // The semaphores' loops: through two delegates (a few nanoseconds against the waits of microseconds and more
    // that these rows measure).
    private static Func<long[], Func<bool>, int> SyncSemaphore(Action wait, Action release)
    {
        long counter = 0;
        return (samples, stop) =>
        {
            var n = 0;
            while (n < samples.Length && !stop())
            {
                var t0 = Stopwatch.GetTimestamp();
                wait();
                samples[n++] = Stopwatch.GetTimestamp() - t0;
                Hold(ref counter);
                release();
            }

            return n;
        };
    }

    private static Func<long[], Func<bool>, ValueTask<int>> AsyncSemaphore(Func<ValueTask> wait, Action release)
    {
        var counter = new long[1];
        return Worker;

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        async ValueTask<int> Worker(long[] samples, Func<bool> stop)
        {
            await Task.Yield();
            var n = 0;
            while (n < samples.Length && !stop())
            {
                var t0 = Stopwatch.GetTimestamp();
                await wait();
                samples[n++] = Stopwatch.GetTimestamp() - t0;
                Hold(ref counter[0]);
                release();
            }

            return n;
        }
    }
}
