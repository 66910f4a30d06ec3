using System.Diagnostics;

namespace PinSync.Tests.Sync.Fairness;

/// <summary>
/// The overdue wake (RawMutex.Overdue.cs), run in a child process by <see cref="OverdueWakeTests"/>, because each
/// scenario shrinks the thread pool to one free thread. A task takes the lock, waits until four async waiters queue
/// behind it, and then releases and re-takes it in a loop: its release wakes the first waiter, whose completion is a
/// work item on that same, only free pool thread, and every re-take completes synchronously, so the loop's work item
/// never ends. Before the fix the loop ran to its limit with nobody else served (measured in a 2-thread pool with
/// one thread busy a quarter of the time: waits up to 2.2 s); with it, the wake becomes overdue after the starvation
/// bound, the loop's next acquisition queues, and the waiters run. The limit is an iteration count, not a time: on a
/// slow or loaded machine the bound passes in fewer iterations, never in more. The child process raises the bound to
/// <see cref="Bound"/>, so that the first release wakes the first waiter rather than handing it the lock; a set-up
/// that took longer than that (the machine stalled the main thread) is run again.
/// </summary>
internal static class OverdueWakeScenarios
{
    private const int Waiters = 4;

    // Far more re-takes than fit into the starvation bound (about 20-50 thousand per millisecond here).
    private const long IterationLimit = 20_000_000;

    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    internal static void MutexBargerYieldsToOverdueWake() =>
        Assert.True(Run(MutexTarget()) < IterationLimit, "The re-taking task kept the mutex while its woken waiter starved.");

    internal static void MutexWithoutOverdueCheckStarvesItsWokenWaiter()
    {
        RawMutex.s_overdueWakes = false;
        Assert.Equal(IterationLimit, Run(MutexTarget()));
    }

    internal static void SemaphoreBargerYieldsToOverdueWake() =>
        Assert.True(Run(SemaphoreTarget()) < IterationLimit, "The re-taking task kept the permit while its woken waiter starved.");

    internal static void SemaphoreWithoutOverdueCheckStarvesItsWokenWaiter()
    {
        RawMutex.s_overdueWakes = false;
        Assert.Equal(IterationLimit, Run(SemaphoreTarget()));
    }

    private static (Func<ValueTask<IDisposable>> Acquire, Func<int> WaiterCount) MutexTarget()
    {
        var mutex = new PinnedMutex<long>(0);
        return (async () => await mutex.LockAsync(), () => mutex.WaiterCount);
    }

    private static (Func<ValueTask<IDisposable>> Acquire, Func<int> WaiterCount) SemaphoreTarget()
    {
        var semaphore = new PinnedSemaphore(1, 1);
        return (async () => await semaphore.EnterAsync(), () => semaphore.WaiterCount);
    }

    /// <summary>Runs the loop on the one free pool thread and returns how many re-takes it made before all the queued
    /// waiters had been served (<see cref="IterationLimit"/>: none was).</summary>
    private static long Run((Func<ValueTask<IDisposable>> Acquire, Func<int> WaiterCount) target)
    {
        RawMutex.StarvationThreshold = Bound;
        using var gate = new ManualResetEventSlim();
        BlockAllPoolThreadsButOne(gate);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (iterations, setUpTicks) = RunOnce(target);
                if (Stopwatch.GetElapsedTime(0, setUpTicks) < Bound / 2)
                {
                    return iterations;
                }

                Assert.True(attempt < 5, "The set-up never finished within half the starvation bound.");
            }
        }
        finally
        {
            gate.Set();
        }
    }

    private static (long Iterations, long SetUpTicks) RunOnce((Func<ValueTask<IDisposable>> Acquire, Func<int> WaiterCount) target)
    {
        var served = 0;
        var queuingFrom = 0L;
        var released = 0L;
        using var held = new ManualResetEventSlim();
        var loop = Task.Run(async () =>
        {
            var first = await target.Acquire();
            held.Set();
            SpinUntil(() => target.WaiterCount() == Waiters, "the waiters to queue");
            released = Stopwatch.GetTimestamp();
            first.Dispose();
            var i = 0L;
            for (; i < IterationLimit && Volatile.Read(ref served) < Waiters; i++)
            {
                (await target.Acquire()).Dispose();
            }

            return i;
        });

        Assert.True(held.Wait(Guard), "The loop did not take the lock.");
        queuingFrom = Stopwatch.GetTimestamp();
        var waiters = new Task[Waiters];
        for (var w = 0; w < Waiters; w++)
        {
            waiters[w] = ServeOnce(target.Acquire, () => Interlocked.Increment(ref served));
        }

        Assert.True(loop.Wait(Guard), "The loop did not end.");
        if (!Task.WaitAll(waiters, TimeSpan.FromMilliseconds(1)))
        {
            // Only the mutant leaves waiters behind once the loop ends: the loop's thread serves them now.
            Assert.True(Task.WaitAll(waiters, Guard), "A waiter was never served.");
        }

        return (loop.Result, released - queuingFrom);
    }

    private static async Task ServeOnce(Func<ValueTask<IDisposable>> acquire, Action served)
    {
        using var lease = await acquire();
        served();
    }

    /// <summary>Caps the pool at one thread per processor and parks all of them but one on <paramref name="gate"/>.</summary>
    private static void BlockAllPoolThreadsButOne(ManualResetEventSlim gate)
    {
        var threads = Environment.ProcessorCount;
        Assert.True(ThreadPool.SetMinThreads(threads, threads), "SetMinThreads");
        Assert.True(ThreadPool.SetMaxThreads(threads, threads), "SetMaxThreads");
        var parked = 0;
        for (var i = 0; i < threads - 1; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                Interlocked.Increment(ref parked);
                gate.Wait();
            }, null);
        }

        SpinUntil(() => Volatile.Read(ref parked) == threads - 1, "the pool threads to park");
    }

    private static void SpinUntil(Func<bool> condition, string what)
    {
        if (!SpinWait.SpinUntil(condition, Guard))
        {
            throw new TimeoutException($"Timed out waiting for {what}.");
        }
    }
}
