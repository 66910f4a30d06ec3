using Microsoft.Coyote.Runtime;

namespace PinSync.Coyote.Tests;

/// <summary>
/// BCL twins of <see cref="Programs"/> for the head-to-head's third column: the same bugs and correct twins written with
/// the BCL primitives Coyote itself rewrites (<see cref="SemaphoreSlim"/>, <c>lock</c> = <see cref="Monitor"/> with
/// <see cref="Monitor.Wait(object)"/>/<see cref="Monitor.PulseAll"/>), run under plain Coyote (no PinSync, no adapter).
/// Keyed by the PinSync program's name; a program with no BCL twin (an async condition variable or wait queue: the BCL
/// has none) is absent. Explicit scheduling points are Coyote's <see cref="SchedulingPoint.Interleave"/>, where the
/// PinSync program has PinSync's.
/// </summary>
public static class BclPrograms
{
    private static readonly Dictionary<string, Func<Task>> s_twins = new(StringComparer.Ordinal)
    {
        ["lost update across two lock sections"] = () => Counter(twoSections: true, async: false),
        ["ABBA (sync)"] = () => TwoLocks(abba: true, async: false),
        ["ABBA (async)"] = () => TwoLocks(abba: true, async: true),
        ["if instead of while on CondVar"] = () => MonitorConsumers(useIf: true),
        ["missed notify on WaitQueue"] = () => MonitorFlag(pulseFirst: true),
        ["timeout taken as holder death"] = () => TimeoutWatcher(timeoutIsDeath: true, async: false),
        ["semaphore double release"] = () => SemaphoreWorkers(doubleRelease: true, async: false),
        ["mutex counter (sync)"] = () => Counter(twoSections: false, async: false),
        ["mutex counter (async)"] = () => Counter(twoSections: false, async: true),
        ["ordered locks (sync)"] = () => TwoLocks(abba: false, async: false),
        ["ordered locks (async)"] = () => TwoLocks(abba: false, async: true),
        ["condvar while (sync)"] = () => MonitorConsumers(useIf: false),
        ["waitqueue set-then-wake (sync)"] = () => MonitorFlag(pulseFirst: false),
        ["timeout retried (sync)"] = () => TimeoutWatcher(timeoutIsDeath: false, async: false),
        ["timeout retried (async)"] = () => TimeoutWatcher(timeoutIsDeath: false, async: true),
        ["semaphore single release (sync)"] = () => SemaphoreWorkers(doubleRelease: false, async: false),
        ["semaphore single release (async)"] = () => SemaphoreWorkers(doubleRelease: false, async: true),
        ["cancelled lock (async)"] = CancelledLock,
    };

    /// <summary>The BCL twin of the PinSync program called <paramref name="name"/>, or <see langword="null"/>.</summary>
    public static Func<Task>? For(string name) => s_twins.GetValueOrDefault(name);

    /// <summary>Two increments of a counter guarded by a one-permit <see cref="SemaphoreSlim"/> (sync: <c>lock</c>); the
    /// bug reads in one critical section and writes in another.</summary>
    public static async Task Counter(bool twoSections, bool async)
    {
        using var gate = new SemaphoreSlim(1, 1);
        var gateObject = new object();
        var counter = 0;
        async Task Increment()
        {
            if (twoSections)
            {
                // Sync, on SemaphoreSlim as the brief names it.
                gate.Wait();
                var read = counter;
                gate.Release();
                gate.Wait();
                counter = read + 1;
                gate.Release();
            }
            else if (async)
            {
                await gate.WaitAsync();
                try
                {
                    var read = counter;
                    SchedulingPoint.Interleave();
                    counter = read + 1;
                }
                finally
                {
                    gate.Release();
                }
            }
            else
            {
                lock (gateObject)
                {
                    var read = counter;
                    SchedulingPoint.Interleave();
                    counter = read + 1;
                }
            }
        }

        await Host.All(Start(async, Increment), Start(async, Increment));
        Host.Check(counter == 2, $"lost update: counter is {counter}, expected 2");
    }

    /// <summary>Two operations take two one-permit semaphores; the bug takes them in opposite orders (a deadlock).</summary>
    public static async Task TwoLocks(bool abba, bool async)
    {
        using var a = new SemaphoreSlim(1, 1);
        using var b = new SemaphoreSlim(1, 1);
        var aCount = 0;
        async Task Both(SemaphoreSlim first, SemaphoreSlim second)
        {
            await Enter(first, async);
            try
            {
                if (first == a)
                {
                    aCount++;
                }

                await Enter(second, async);
                try
                {
                    if (second == a)
                    {
                        aCount++;
                    }
                }
                finally
                {
                    second.Release();
                }
            }
            finally
            {
                first.Release();
            }
        }

        await Host.All(Start(async, () => Both(a, b)), Start(async, () => abba ? Both(b, a) : Both(a, b)));
        Host.Check(aCount == 2, "both operations took a");
    }

    /// <summary>Two producers, two consumers of a counted resource guarded by <c>lock</c>, waiting with
    /// <see cref="Monitor.Wait(object)"/> and woken by <see cref="Monitor.PulseAll"/>; the bug checks with <c>if</c>.</summary>
    public static async Task MonitorConsumers(bool useIf)
    {
        var gate = new object();
        var count = 0;
        void Consume()
        {
            lock (gate)
            {
                if (useIf)
                {
                    if (count == 0)
                    {
                        Monitor.Wait(gate);
                    }
                }
                else
                {
                    while (count == 0)
                    {
                        Monitor.Wait(gate);
                    }
                }

                count--;
                Host.Check(count >= 0, $"consumed an item that was not there (count {count})");
            }
        }

        void Produce()
        {
            lock (gate)
            {
                count++;
                Monitor.PulseAll(gate);
            }
        }

        await Host.All(Task.Run(Consume), Task.Run(Consume), Task.Run(Produce), Task.Run(Produce));
    }

    /// <summary>A waiter waits under <c>lock</c> for a flag; the setter pulses before it sets the flag (a missed notify,
    /// found as a deadlock), the twin sets it and pulses under the lock.</summary>
    public static async Task MonitorFlag(bool pulseFirst)
    {
        var gate = new object();
        var flag = false;
        var waiter = Task.Run(() =>
        {
            lock (gate)
            {
                while (!flag)
                {
                    Monitor.Wait(gate);
                }
            }
        });
        var setter = Task.Run(() =>
        {
            if (pulseFirst)
            {
                lock (gate)
                {
                    Monitor.PulseAll(gate);
                }

                SchedulingPoint.Interleave();
                Volatile.Write(ref flag, true);
            }
            else
            {
                lock (gate)
                {
                    flag = true;
                    Monitor.PulseAll(gate);
                }
            }
        });
        await Host.All(waiter, setter);
    }

    /// <summary>A watcher gives up on a one-permit semaphore after <c>Wait(50 ms)</c>; the bug declares the holder dead
    /// then, the twin waits on.</summary>
    public static async Task TimeoutWatcher(bool timeoutIsDeath, bool async)
    {
        using var gate = new SemaphoreSlim(1, 1);
        var holderAlive = 1;
        var state = 0;
        var holder = Start(async, async () =>
        {
            await Enter(gate, async);
            state = 1;
            SchedulingPoint.Interleave();
            state = 2;
            Volatile.Write(ref holderAlive, 0);
            gate.Release();
        });
        var watcher = Start(async, async () =>
        {
            var timeout = TimeSpan.FromMilliseconds(50);
            var acquired = async ? await gate.WaitAsync(timeout) : gate.Wait(timeout);
            if (!acquired)
            {
                Host.Check(!timeoutIsDeath || Volatile.Read(ref holderAlive) == 0, "the watcher declared a live holder dead after a timeout");
                await Enter(gate, async);
            }

            Host.Check(state is 0 or 2, $"saw a half-done update ({state})");
            gate.Release();
        });
        await Host.All(holder, watcher);
    }

    /// <summary>Three workers share one permit of a <see cref="SemaphoreSlim"/> (no maximum, like PinSync's); the bug
    /// releases it twice, so two workers are inside at once.</summary>
    public static async Task SemaphoreWorkers(bool doubleRelease, bool async)
    {
        using var semaphore = new SemaphoreSlim(1);
        var inside = 0;
        async Task Work(bool releasesTwice)
        {
            await Enter(semaphore, async);
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

        await Host.All(Start(async, () => Work(doubleRelease)), Start(async, () => Work(false)), Start(async, () => Work(false)));
    }

    /// <summary>A <see cref="SemaphoreSlim.WaitAsync(CancellationToken)"/> cancelled while the permit is held ends in
    /// either the permit or a cancellation, and the permit is free afterwards.</summary>
    public static async Task CancelledLock()
    {
        using var gate = new SemaphoreSlim(1, 1);
        using var cts = new CancellationTokenSource();
        var value = 0;
        var holder = Task.Run(async () =>
        {
            await gate.WaitAsync();
            SchedulingPoint.Interleave();
            value++;
            gate.Release();
        });
        var waiter = Task.Run(async () =>
        {
            try
            {
                await gate.WaitAsync(cts.Token);
                value++;
                gate.Release();
            }
            catch (OperationCanceledException)
            {
            }
        });
        var canceller = Task.Run(cts.Cancel);
        await Host.All(holder, waiter, canceller);
        Host.Check(gate.Wait(0), "the semaphore is still held after every operation ended");
        Host.Check(value is 1 or 2, $"counter {value}");
    }

    private static Task Start(bool async, Func<Task> body) =>
        async ? Task.Run(body) : Task.Run(() => body().GetAwaiter().GetResult());

    private static Task Enter(SemaphoreSlim semaphore, bool async)
    {
        if (async)
        {
            return semaphore.WaitAsync();
        }

        semaphore.Wait();
        return Task.CompletedTask;
    }
}
