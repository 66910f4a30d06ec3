using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Testing.Faults;

/// <summary>
/// The primitives' properties with fault injection on (issue 11): the strategy may end any blocking wait with an
/// interrupt or another exception, and after every schedule the explorer checks every primitive the iteration made
/// (lists well-formed, nobody queued, mutexes free, permits conserved). Each program also checks its own exact
/// counters, and asserts that faults were injected at all (a suite that never injects proves nothing).
/// </summary>
public sealed class FaultPropertyTests : TestBase
{
    public static TheoryData<string, FaultInjection> Matrix => new()
    {
        { "random", FaultInjection.Interrupt }, { "random", FaultInjection.Exception },
        { "pct", FaultInjection.Interrupt }, { "pct", FaultInjection.Exception },
        { "dfs", FaultInjection.Interrupt }, { "dfs", FaultInjection.Exception },
    };

    /// <summary>Two blocking lockers (<c>Lock</c>, <c>TryLock</c> with a timeout) and an async one: the protected counter
    /// equals the critical sections entered, whatever waits were cut short.</summary>
    [Theory]
    [MemberData(nameof(Matrix))]
    public void PinnedMutex_WaitsEndedByFaults_CountersExactAndMutexWhole(string strategy, FaultInjection faults)
    {
        var cutShort = 0;
        Run(strategy, faults, async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var entered = 0;
            var a = Explorer.Spawn(() => Guarded(ref cutShort, () =>
            {
                using var g = mutex.Lock();
                g.Value++;
                entered++;
            }));
            var b = Explorer.Spawn(() => Guarded(ref cutShort, () =>
            {
                if (mutex.TryLock(TimeSpan.FromMilliseconds(5), out var g))
                {
                    g.Value++;
                    entered++;
                    g.Dispose();
                }
            }));
            var c = Explorer.Spawn(async () =>
            {
                using var g = await mutex.LockAsync();
                g.Value++;
                entered++;
            });
            var d = Explorer.Spawn(() => Retrying(ref cutShort, () =>
            {
                using var g = mutex.Lock();
                g.Value++;
                entered++;
            }));

            await Task.WhenAll(new[] { a, b, c, d });
            Explorer.Assert(mutex.TryLock(out var last), "the mutex is free after every flow finished");
            Explorer.Assert(last.Value == entered, $"counter {last.Value} but {entered} critical sections");
            last.Dispose();
        });
        Assert.True(cutShort > 0, "no fault was ever injected");
    }

    /// <summary>Blocking waiters (<c>Wait</c>, <c>Wait</c> with a timeout) and an async one share one permit, each giving
    /// it back: permits are conserved (checked by the probe) and never held twice.</summary>
    [Theory]
    [MemberData(nameof(Matrix))]
    public void PinnedSemaphore_WaitsEndedByFaults_PermitsConserved(string strategy, FaultInjection faults)
    {
        var cutShort = 0;
        Run(strategy, faults, async () =>
        {
            var semaphore = new PinnedSemaphore(1, 1);
            var inside = 0;
            void Critical()
            {
                Explorer.Assert(++inside == 1, "two holders of a one-permit semaphore");
                inside--;
            }

            var a = Explorer.Spawn(() => Guarded(ref cutShort, () =>
            {
                semaphore.Wait();
                Critical();
                semaphore.Release();
            }));
            var b = Explorer.Spawn(() => Guarded(ref cutShort, () =>
            {
                if (semaphore.Wait(TimeSpan.FromMilliseconds(5)))
                {
                    Critical();
                    semaphore.Release();
                }
            }));
            var c = Explorer.Spawn(async () =>
            {
                await semaphore.WaitAsync();
                Critical();
                semaphore.Release();
            });
            var d = Explorer.Spawn(() => Retrying(ref cutShort, () =>
            {
                semaphore.Wait();
                Critical();
                semaphore.Release();
            }));
            await Task.WhenAll(new[] { a, b, c, d });
        });
        Assert.True(cutShort > 0, "no fault was ever injected");
    }

    /// <summary>The semaphore's barging protocol under faults (issue 13 item 6): two permits released at once wake two
    /// heads, a barging <c>TryWait</c> may take a woken waiter's permit (it re-queues at the head), and any blocking
    /// wait may be cut short while it is queued, woken or granted (a wake is passed on, a grant given back). Never
    /// more than two holders; both permits are back at the end; the probe checks the rest (no woken waiter left
    /// unsettled, permits conserved).</summary>
    [Theory]
    [MemberData(nameof(Matrix))]
    public void PinnedSemaphore_BargingWithWokenWaitersCutShort_PermitsConservedAndNoWakeLost(string strategy, FaultInjection faults)
    {
        var cutShort = 0;
        Run(strategy, faults, async () =>
        {
            var semaphore = new PinnedSemaphore(0, 2);
            var inside = 0;
            void Critical()
            {
                Explorer.Assert(++inside <= 2, "three holders of a two-permit semaphore");
                inside--;
            }

            var a = Explorer.Spawn(() => Guarded(ref cutShort, () =>
            {
                semaphore.Wait();
                Critical();
                semaphore.Release();
            }));
            var b = Explorer.Spawn(async () =>
            {
                await semaphore.WaitAsync();
                Critical();
                semaphore.Release();
            });
            var c = Explorer.Spawn(() => Retrying(ref cutShort, () =>
            {
                semaphore.Wait();
                Critical();
                semaphore.Release();
            }));
            var barger = Explorer.Spawn(() =>
            {
                if (semaphore.TryWait())
                {
                    Critical();
                    semaphore.Release();
                }
            });
            SchedulingPoint.Interleave();
            semaphore.Release(2);
            await Task.WhenAll(new[] { a, b, c, barger });
            Explorer.Assert(semaphore.CurrentCount == 2 && semaphore.WaiterCount == 0, $"left behind: {semaphore}");
        });
        Assert.True(cutShort > 0, "no fault was ever injected");
    }

    /// <summary>Condition waiters (sync, timed) and a notifier: a wait that ends by a fault still holds the mutex under
    /// the same guard (as <c>Monitor.Wait</c> does), and no notification meant for a live waiter is lost (a lost one
    /// leaves a flow blocked: a deadlock report).</summary>
    [Theory]
    [MemberData(nameof(Matrix))]
    public void CondVar_WaitsEndedByFaults_MutexReheldAndNoNotificationLost(string strategy, FaultInjection faults)
    {
        var cutShort = 0;
        Run(strategy, faults, async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var cv = new PinSync.CondVar();
            var items = 0;
            void Consume(bool timed)
            {
                using var g = mutex.Lock();
                try
                {
                    // The timed consumer gives up after a few timeouts (an unbounded retry loop has unbounded schedules).
                    var tries = 0;
                    while (items == 0)
                    {
                        if (!timed)
                        {
                            cv.Wait(g);
                        }
                        else if (!cv.Wait(g, TimeSpan.FromMilliseconds(5)) && ++tries == 3)
                        {
                            return;
                        }
                    }

                    items--;
                }
                catch (Exception exception) when (exception is ThreadInterruptedException or InjectedFaultException)
                {
                    // Wherever the fault hits (the wait, or the re-lock after it), the wait ends holding the mutex.
                    Explorer.Assert(g.Acquired && mutex.IsLocked, "a condition wait that ended by a fault does not hold the mutex");
                    throw;
                }
            }

            var a = Explorer.Spawn(() => Guarded(ref cutShort, () => Consume(timed: false)));
            var b = Explorer.Spawn(() => Guarded(ref cutShort, () => Consume(timed: true)));
            var producer = Explorer.Spawn(() =>
            {
                for (var i = 0; i < 2; i++)
                {
                    Retrying(ref cutShort, () =>
                    {
                        using var g = mutex.Lock();
                        items++;
                        cv.NotifyOne();
                    });
                }
            });

            await Task.WhenAll(new[] { a, b, producer });
        });
        Assert.True(cutShort > 0, "no fault was ever injected");
    }

    /// <summary>Exclusive wait-queue waiters take items announced by <c>WakeOne</c>: a waiter cut short by a fault
    /// passes its wakeup on, so the other one is never stranded (that would be a deadlock report).</summary>
    [Theory]
    [MemberData(nameof(Matrix))]
    public void WaitQueue_WaitsEndedByFaults_WakeupsPassedOn(string strategy, FaultInjection faults)
    {
        var cutShort = 0;
        Run(strategy, faults, async () =>
        {
            var queue = new PinSync.WaitQueue();
            var items = 0;
            bool Take()
            {
                if (items == 0)
                {
                    return false;
                }

                items--;
                return true;
            }

            var a = Explorer.Spawn(() => Guarded(ref cutShort, () => queue.WaitUntilExclusive(Take)));
            var b = Explorer.Spawn(() => Guarded(ref cutShort, () => queue.WaitUntilExclusive(Take, TimeSpan.FromMilliseconds(5))));
            for (var i = 0; i < 2; i++)
            {
                items++;
                queue.WakeOne();
            }

            await Task.WhenAll(new[] { a, b });
            Explorer.Assert(items >= 0, "an item taken twice");
        });
        Assert.True(cutShort > 0, "no fault was ever injected");
    }

    private static void Run(string strategy, FaultInjection faults, Func<Task> body)
    {
        var options = strategy == "dfs"
            ? new ExplorerOptions { Iterations = 3000, Strategy = Strategy.Dfs(1), Faults = faults }
            : new ExplorerOptions { Iterations = 400, Strategy = ExplorerTestPrograms.StrategyByName(strategy), Seed = 11, Faults = faults };
        ExplorerAssert.NoBugs(body, options);
    }

    /// <summary>Runs <paramref name="body"/> until it completes, counting the faults that cut it short: the pattern of a
    /// fault-tolerant producer (with at most one fault an iteration, the second try succeeds).</summary>
    private static void Retrying(ref int cutShort, Action body)
    {
        while (true)
        {
            try
            {
                body();
                return;
            }
            catch (Exception exception) when (exception is ThreadInterruptedException or InjectedFaultException)
            {
                cutShort++;
            }
        }
    }

    /// <summary>Runs <paramref name="body"/>, counting the faults that cut it short (and letting them escape: the
    /// explorer treats an injected exception that leaves a flow as the flow cut short).</summary>
    private static void Guarded(ref int cutShort, Action body)
    {
        try
        {
            body();
        }
        catch (Exception exception) when (exception is ThreadInterruptedException or InjectedFaultException)
        {
            cutShort++;
            throw;
        }
    }
}
