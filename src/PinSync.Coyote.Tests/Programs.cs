using System.Diagnostics.CodeAnalysis;
using PinSync.Scheduling;

namespace PinSync.Coyote.Tests;

/// <summary>
/// The programs both engines run: each known bug beside its correct twin. Every program builds its primitives inside
/// the body (fresh per iteration) and checks its own safety property with <see cref="Host.Check"/>; a deadlock is
/// left for the engine to find.
/// </summary>
public static class Programs
{
    /// <summary>A named program: a body for a given host.</summary>
    public sealed record Program(string Name, bool IsBug, Func<Host, Func<Task>> Body)
    {
        public override string ToString() => Name;
    }

    public static readonly Program[] Correct =
    [
        new("mutex counter (sync)", false, h => () => MutexCounter(h, twoSections: false, async: false)),
        new("mutex counter (async)", false, h => () => MutexCounter(h, twoSections: false, async: true)),
        new("ordered locks (sync)", false, h => () => TwoLocks(h, abba: false, async: false)),
        new("ordered locks (async)", false, h => () => TwoLocks(h, abba: false, async: true)),
        new("condvar while (sync)", false, h => () => CondVarConsumers(h, useIf: false, async: false)),
        new("condvar while (async)", false, h => () => CondVarConsumers(h, useIf: false, async: true)),
        new("waitqueue set-then-wake (sync)", false, h => () => WaitQueueFlag(h, wakeFirst: false, async: false)),
        new("waitqueue set-then-wake (async)", false, h => () => WaitQueueFlag(h, wakeFirst: false, async: true)),
        new("timeout retried (sync)", false, h => () => TimeoutWatcher(h, timeoutIsDeath: false, async: false)),
        new("timeout retried (async)", false, h => () => TimeoutWatcher(h, timeoutIsDeath: false, async: true)),
        new("semaphore single release (sync)", false, h => () => SemaphoreWorkers(h, doubleRelease: false, async: false)),
        new("semaphore single release (async)", false, h => () => SemaphoreWorkers(h, doubleRelease: false, async: true)),
        new("cancelled lock (async)", false, h => () => CancelledLock(h)),
    ];

    public static readonly Program[] Bugs =
    [
        new("lost update across two lock sections", true, h => () => MutexCounter(h, twoSections: true, async: false)),
        new("ABBA (sync)", true, h => () => TwoLocks(h, abba: true, async: false)),
        new("ABBA (async)", true, h => () => TwoLocks(h, abba: true, async: true)),
        new("if instead of while on CondVar", true, h => () => CondVarConsumers(h, useIf: true, async: false)),
        new("missed notify on WaitQueue", true, h => () => WaitQueueFlag(h, wakeFirst: true, async: false)),
        new("timeout taken as holder death", true, h => () => TimeoutWatcher(h, timeoutIsDeath: true, async: false)),
        new("semaphore double release", true, h => () => SemaphoreWorkers(h, doubleRelease: true, async: false)),
    ];

    /// <summary>Two increments of a guarded counter; the bug reads in one critical section and writes in another.</summary>
    public static async Task MutexCounter(Host host, bool twoSections, bool async)
    {
        using var mutex = new PinnedMutex<int>(0);
        async Task Increment()
        {
            if (twoSections)
            {
                int read;
                using (var guard = async ? await mutex.LockAsync() : mutex.Lock())
                {
                    read = guard.Value;
                }

                using (var guard = async ? await mutex.LockAsync() : mutex.Lock())
                {
                    guard.Value = read + 1;
                }
            }
            else
            {
                using var guard = async ? await mutex.LockAsync() : mutex.Lock();
                var read = guard.Value;
                SchedulingPoint.Interleave();
                guard.Value = read + 1;
            }
        }

        await Host.All(Start(host, async, Increment), Start(host, async, Increment));
        using var final = mutex.Lock();
        Host.Check(final.Value == 2, $"lost update: counter is {final.Value}, expected 2");
    }

    /// <summary>Two operations take two mutexes; the bug takes them in opposite orders (a deadlock).</summary>
    public static async Task TwoLocks(Host host, bool abba, bool async)
    {
        using var a = new PinnedMutex<int>(0);
        using var b = new PinnedMutex<int>(0);
        async Task Both(PinnedMutex<int> first, PinnedMutex<int> second)
        {
            using var g1 = async ? await first.LockAsync() : first.Lock();
            g1.Value++;
            using var g2 = async ? await second.LockAsync() : second.Lock();
            g2.Value++;
        }

        await Host.All(Start(host, async, () => Both(a, b)), Start(host, async, () => abba ? Both(b, a) : Both(a, b)));
        using var ga = a.Lock();
        Host.Check(ga.Value == 2, "both operations took a");
    }

    /// <summary>Two producers, two consumers of a counted resource guarded by a mutex and a condition variable; the bug
    /// checks the condition with <c>if</c>, so a consumer woken after another took the item goes below zero.</summary>
    public static async Task CondVarConsumers(Host host, bool useIf, bool async)
    {
        using var mutex = new PinnedMutex<int>(0);
        using var ready = new CondVar();
        async Task Consume()
        {
            var guard = async ? await mutex.LockAsync() : mutex.Lock();
            try
            {
                if (useIf)
                {
                    if (guard.Value == 0)
                    {
                        await WaitAsync(ready, guard, async);
                    }
                }
                else
                {
                    while (guard.Value == 0)
                    {
                        await WaitAsync(ready, guard, async);
                    }
                }

                guard.Value--;
                Host.Check(guard.Value >= 0, $"consumed an item that was not there (count {guard.Value})");
            }
            finally
            {
                guard.Dispose();
            }
        }

        async Task Produce()
        {
            using var guard = async ? await mutex.LockAsync() : mutex.Lock();
            guard.Value++;
            ready.NotifyAll();
        }

        await Host.All(Start(host, async, Consume), Start(host, async, Consume), Start(host, async, Produce), Start(host, async, Produce));
    }

    /// <summary>A waiter waits for a flag; the setter wakes the queue before it sets the flag (a missed notify, found as
    /// a deadlock), the twin sets it first.</summary>
    public static async Task WaitQueueFlag(Host host, bool wakeFirst, bool async)
    {
        using var queue = new WaitQueue();
        var flag = 0;
        Func<bool> isSet = () => Volatile.Read(ref flag) == 1;
        var waiter = Start(host, async, async () =>
        {
            if (async)
            {
                await queue.WaitUntilAsync(isSet);
            }
            else
            {
                queue.WaitUntil(isSet);
            }
        });
        var setter = host.Spawn(() =>
        {
            if (wakeFirst)
            {
                queue.WakeAll();
                SchedulingPoint.Interleave();
                Volatile.Write(ref flag, 1);
            }
            else
            {
                Volatile.Write(ref flag, 1);
                queue.WakeAll();
            }
        });
        await Host.All(waiter, setter);
    }

    /// <summary>A watcher gives up on the mutex after a timeout; the bug declares the holder dead then and takes over
    /// its state, the twin waits on.</summary>
    public static async Task TimeoutWatcher(Host host, bool timeoutIsDeath, bool async)
    {
        using var mutex = new PinnedMutex<int>(0);
        var holderAlive = 1;
        var holder = Start(host, async, async () =>
        {
            using var guard = async ? await mutex.LockAsync() : mutex.Lock();
            guard.Value = 1;
            SchedulingPoint.Interleave();
            guard.Value = 2;
            Volatile.Write(ref holderAlive, 0);
        });
        var watcher = Start(host, async, async () =>
        {
            var guard = async ? await mutex.TryLockAsync(TimeSpan.FromMilliseconds(50)) : TryLock(mutex);
            if (!guard.Acquired)
            {
                Host.Check(!timeoutIsDeath || Volatile.Read(ref holderAlive) == 0, "the watcher declared a live holder dead after a timeout");
                guard = async ? await mutex.LockAsync() : mutex.Lock();
            }

            using (guard)
            {
                Host.Check(guard.Value is 0 or 2, $"saw a half-done update ({guard.Value})");
            }
        });
        await Host.All(holder, watcher);
    }

    /// <summary>Three workers share one permit; the bug releases it twice, so two workers are inside at once.</summary>
    public static async Task SemaphoreWorkers(Host host, bool doubleRelease, bool async)
    {
        using var semaphore = new PinnedSemaphore(1);
        var inside = 0;
        async Task Work(bool releasesTwice)
        {
            if (async)
            {
                await semaphore.WaitAsync();
            }
            else
            {
                semaphore.Wait();
            }

            var now = Interlocked.Increment(ref inside);
            Host.Check(now == 1, $"{now} workers inside a one-permit section");
            SchedulingPoint.Interleave();
            Interlocked.Decrement(ref inside);
            semaphore.Release();
            if (releasesTwice)
            {
                semaphore.Release();
            }
        }

        await Host.All(Start(host, async, () => Work(doubleRelease)), Start(host, async, () => Work(false)), Start(host, async, () => Work(false)));
    }

    /// <summary>A lock wait cancelled while the mutex is held ends in either the guard or a cancellation, and the mutex
    /// is free afterwards.</summary>
    public static async Task CancelledLock(Host host)
    {
        using var mutex = new PinnedMutex<int>(0);
        using var cts = new CancellationTokenSource();
        var holder = host.Spawn(async () =>
        {
            using var guard = await mutex.LockAsync();
            SchedulingPoint.Interleave();
            guard.Value++;
        });
        var waiter = host.Spawn(async () =>
        {
            try
            {
                using var guard = await mutex.LockAsync(cts.Token);
                guard.Value++;
            }
            catch (OperationCanceledException)
            {
            }
        });
        var canceller = host.Spawn(cts.Cancel);
        await Host.All(holder, waiter, canceller);
        Host.Check(mutex.TryLock(out var final), "the mutex is still held after every operation ended");
        using (final)
        {
            Host.Check(final.Value is 1 or 2, $"counter {final.Value}");
        }
    }

    private static Task Start(Host host, bool async, Func<Task> body) =>
        async ? host.Spawn(body) : host.Spawn(() => body().GetAwaiter().GetResult());

    [SuppressMessage("Usage", "PINSYNC013", Justification = "The caller's loop (or, in the if-instead-of-while bug, its missing loop) is the point of the program.")]
    private static async Task WaitAsync(CondVar condVar, MutexGuard<int> guard, bool async)
    {
        if (async)
        {
            await condVar.WaitAsync(guard);
        }
        else
        {
            condVar.Wait(guard);
        }
    }

    private static MutexGuard<int> TryLock(PinnedMutex<int> mutex)
    {
        mutex.TryLock(TimeSpan.FromMilliseconds(50), out var guard);
        return guard;
    }
}
