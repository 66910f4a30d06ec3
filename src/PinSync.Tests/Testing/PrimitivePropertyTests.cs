using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>
/// Property suites of the real primitives under the explorer, beyond <see cref="PrimitiveSystematicTests"/>: timeout
/// and cancellation never lose or double a grant, queue order where promised (and what barging newcomers may do),
/// the starvation handoff in virtual time, Dispose faults every waiter, and exact outcome sets under DFS. Each runs
/// PCT(3) for 2000 iterations (50 000 with PINSYNC_STRESS=1) and DFS(2) to coverage.
/// </summary>
public sealed partial class PrimitivePropertyTests : TestBase
{
    private static readonly int s_pctIterations = Environment.GetEnvironmentVariable("PINSYNC_STRESS") == "1" ? 50_000 : 2000;

    public static TheoryData<string> Strategies => ["pct", "dfs"];

    public static TheoryData<string, bool> StrategiesAndFlavors => new()
    {
        { "pct", false }, { "pct", true }, { "dfs", false }, { "dfs", true },
    };

    // ---- timeout and cancellation never lose or double a grant ----

    /// <summary>A timed waiter and a cancelable waiter (one sync, one async; <paramref name="asyncTimed"/> swaps
    /// them) race one release and the cancellation: the permits held by those that reported success plus the count
    /// is exactly the one released. DFS also checks the exact outcome set {none, timed only, cancelable only}.</summary>
    [Theory]
    [MemberData(nameof(StrategiesAndFlavors))]
    public void PinnedSemaphore_TimedAndCancelableRacingRelease_PermitNeitherLostNorDoubled(string strategy, bool asyncTimed)
    {
        var outcomes = new HashSet<string>();
        AssertNoBugs(async () =>
        {
            using var semaphore = new PinnedSemaphore(0, 2);
            using var cancel = new CancellationTokenSource();
            bool timedGot = false, cancelableGot = false;
            Task timed, cancelable;
            if (asyncTimed)
            {
                timed = Explorer.Spawn(async () => timedGot = await semaphore.WaitAsync(TimeSpan.FromMilliseconds(5)));
                cancelable = Explorer.Spawn(() =>
                {
                    try
                    {
                        semaphore.Wait(cancel.Token);
                        cancelableGot = true;
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            }
            else
            {
                timed = Explorer.Spawn(() => timedGot = semaphore.Wait(TimeSpan.FromMilliseconds(5)));
                cancelable = Explorer.Spawn(async () =>
                {
                    try
                    {
                        await semaphore.WaitAsync(cancel.Token);
                        cancelableGot = true;
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            }

            SchedulingPoint.Interleave();
            semaphore.Release();
            cancel.Cancel();
            await Task.WhenAll(timed, cancelable);
            var held = (timedGot ? 1 : 0) + (cancelableGot ? 1 : 0);
            Explorer.Assert(held + semaphore.CurrentCount == 1,
                $"permit lost or doubled: timed {timedGot}, cancelable {cancelableGot}, count {semaphore.CurrentCount}");
            Explorer.Assert(semaphore.WaiterCount == 0, $"a waiter stayed queued: {semaphore}");
            outcomes.Add($"{(timedGot ? "T" : "-")}{(cancelableGot ? "C" : "-")}");
        }, Options(strategy));

        if (strategy == "dfs")
        {
            Assert.Equal(["--", "-C", "T-"], outcomes.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>A timed blocking waiter and a cancelable async waiter race the holder's unlock and the cancellation:
    /// afterwards the mutex is free, nobody is queued, and every waiter that reported success held the mutex alone
    /// (its increment, made inside, is counted exactly once).</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_TimedAndCancelableRacingUnlock_FreeAfterwardsAndWinnersHeldIt(string strategy) => AssertNoBugs(async () =>
    {
        using var mutex = new PinnedMutex<int>(0);
        using var cancel = new CancellationTokenSource();
        var inside = 0;
        var successes = 0;
        void Critical(ref int value)
        {
            Explorer.Assert(++inside == 1, "two holders of the mutex");
            SchedulingPoint.Interleave();
            value++;
            successes++;
            inside--;
        }

        var holder = await mutex.LockAsync();
        var timed = Explorer.Spawn(() =>
        {
            if (mutex.TryLock(TimeSpan.FromMilliseconds(5), out var guard))
            {
                using (guard)
                {
                    Explorer.Assert(guard.Acquired, "TryLock returned true with a guard that does not hold");
                    Critical(ref guard.Value);
                }
            }
            else
            {
                Explorer.Assert(!guard.Acquired, "TryLock returned false with a holding guard");
            }
        });
        var cancelable = Explorer.Spawn(async () =>
        {
            try
            {
                using var guard = await mutex.LockAsync(cancel.Token);
                Critical(ref guard.Value);
            }
            catch (OperationCanceledException)
            {
            }
        });
        SchedulingPoint.Interleave();
        holder.Dispose();
        cancel.Cancel();
        await Task.WhenAll(timed, cancelable);
        Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"grant lost or waiter left: {mutex}");
        using var last = mutex.Lock();
        Explorer.Assert(last.Value == successes, $"increments {last.Value} != successes {successes}");
    }, Options(strategy));

    /// <summary>Two exclusive waiters (one timed and blocking, one async) consume tokens; each WakeOne announces one
    /// token. A timed-out waiter never strands the wakeup meant for the other (the other would hang), and tokens are
    /// never doubled.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void WaitQueue_TimedExclusiveWaiterRacingWakeOne_WakeupNeverLost(string strategy) => AssertNoBugs(async () =>
    {
        using var queue = new WaitQueue();
        var tokens = 0;
        bool TryTake()
        {
            if (tokens == 0)
            {
                return false;
            }

            tokens--;
            return true;
        }

        var timedGot = false;
        var timed = Explorer.Spawn(() => timedGot = queue.WaitUntilExclusive(TryTake, TimeSpan.FromMilliseconds(5)));
        var plain = Explorer.Spawn(async () => await queue.WaitUntilExclusiveAsync(TryTake));
        SchedulingPoint.Interleave();
        tokens++;
        queue.WakeOne();
        await timed;
        if (timedGot)
        {
            tokens++;
            queue.WakeOne();
        }

        await plain;
        Explorer.Assert(tokens == 0 && queue.WaiterCount == 0, $"tokens left {tokens}, waiters {queue.WaiterCount}");
    }, Options(strategy));

    // ---- queue order where promised; what barging newcomers may do ----

    /// <summary>PinnedSemaphore keeps its queue order across sync and async waiters even when newcomers barge: three
    /// waiters queued in the order a (sync), b (async), c (sync) are served in that order, one release at a time,
    /// while after each release a newcomer's <c>TryWait</c> may take the permit first (and gives it back at once).
    /// A woken waiter that loses to it goes back to the head (a blocking one is then handed the next permit), so the
    /// order holds. DFS must see at least one barge (the test is not vacuous).</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedSemaphore_StaggeredSyncAndAsyncWaiters_ServedInQueueOrderWhileNewcomersBarge(string strategy)
    {
        var barges = 0;
        AssertNoBugs(async () =>
        {
            using var semaphore = new PinnedSemaphore(0, 3);
            var order = string.Empty;
            var waiters = new Task[3];
            waiters[0] = Explorer.Spawn(() =>
            {
                semaphore.Wait();
                order += 'a';
            });
            SpinUntil(() => semaphore.WaiterCount == 1);
            waiters[1] = Explorer.Spawn(async () =>
            {
                await semaphore.WaitAsync();
                order += 'b';
            });
            SpinUntil(() => semaphore.WaiterCount == 2);
            waiters[2] = Explorer.Spawn(() =>
            {
                semaphore.Wait();
                order += 'c';
            });
            SpinUntil(() => semaphore.WaiterCount == 3);
            for (var i = 0; i < 3; i++)
            {
                semaphore.Release();
                if (semaphore.TryWait())
                {
                    barges++;
                    semaphore.Release();
                }

                var expected = i + 1;
                SpinUntil(() => order.Length == expected);
                Explorer.Assert(order == "abc"[..expected], $"service order {order}, expected the queue order abc");
            }

            await Task.WhenAll(waiters);
            Explorer.Assert(semaphore.CurrentCount == 0 && semaphore.WaiterCount == 0, $"left behind: {semaphore}");
        }, Options(strategy));

        Assert.True(strategy != "dfs" || barges > 0, "no schedule let a newcomer barge: the test saw nothing");
    }

    /// <summary>
    /// The starvation bound in virtual time: two waiters queue (sync then async), the holder keeps the mutex past
    /// <see cref="RawMutex.StarvationThreshold"/> (an <see cref="Explorer.Delay(TimeSpan)"/> inside its critical section moves
    /// the virtual clock), then unlocks while a newcomer arrives. Each unlock hands the mutex straight to the oldest
    /// waiter, so the order is always 1, 2, then the newcomer — never a barge.
    /// </summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_WaitersQueuedPastStarvationBound_HandedOverInQueueOrderBeforeNewcomer(string strategy) =>
        AssertHandedOverBeforeNewcomer(StarvationProgram, strategy);

    /// <summary>The twin of the handoff test, showing it is not vacuous: while the waiters have waited less than the
    /// bound (no virtual time passes), an unlock only wakes the first waiter to compete and the newcomer may barge in.
    /// DFS observes both a barge and the queue order; every order still has each party exactly once.</summary>
    [Fact]
    public void PinnedMutex_WaitersBelowStarvationBound_NewcomerMayBarge() => AssertNewcomerMayBarge(StarvationProgram);

    /// <summary>Past the starvation bound (the holder keeps the primitive three thresholds of virtual time): every
    /// schedule gives it to the two queued waiters in queue order, then to the newcomer.</summary>
    private static void AssertHandedOverBeforeNewcomer(Func<TimeSpan, Task<string>> program, string strategy) =>
        AssertNoBugs(async () =>
        {
            var order = await program(RawMutex.StarvationThreshold * 3);
            Explorer.Assert(order == "12n", $"acquisition order {order}: a starving waiter was barged past");
        }, Options(strategy));

    /// <summary>Below the bound (no virtual time passes): every order has each party once, and DFS sees both the queue
    /// order and the newcomer barging ahead of a queued waiter.</summary>
    private static void AssertNewcomerMayBarge(Func<TimeSpan, Task<string>> program)
    {
        var orders = new HashSet<string>();
        AssertNoBugs(async () =>
        {
            var order = await program(TimeSpan.Zero);
            Explorer.Assert(order.Length == 3 && order.Order().SequenceEqual("12n"), $"acquisition order {order}");
            orders.Add(order);
        }, Options("dfs"));

        Assert.Contains("12n", orders);
        Assert.Contains(orders, order => order.IndexOf('n', StringComparison.Ordinal) < 2);
    }

    // ---- Dispose faults every waiter, nothing hangs ----

    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedSemaphore_DisposeWithSyncAndAsyncWaiters_EveryWaiterGetsObjectDisposed(string strategy) => AssertNoBugs(async () =>
    {
        var semaphore = new PinnedSemaphore(0, 1);
        var faulted = 0;
        var sync = Explorer.Spawn(() =>
        {
            try
            {
                semaphore.Wait();
            }
            catch (ObjectDisposedException)
            {
                faulted++;
            }
        });
        var async = Explorer.Spawn(async () =>
        {
            try
            {
                await semaphore.WaitAsync();
            }
            catch (ObjectDisposedException)
            {
                faulted++;
            }
        });
        SchedulingPoint.Interleave();
        semaphore.Dispose();
        await Task.WhenAll(sync, async);
        Explorer.Assert(faulted == 2, $"{faulted} of 2 waiters got ObjectDisposedException");
        Explorer.Assert(semaphore.WaiterCount == 0, "a waiter stayed queued after Dispose");
    }, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_DisposeWhileHeldWithSyncAndAsyncWaiters_EveryWaiterGetsObjectDisposed(string strategy) => AssertNoBugs(async () =>
    {
        var mutex = new PinnedMutex<int>(0);
        var faulted = 0;
        var holder = await mutex.LockAsync();
        var sync = Explorer.Spawn(() =>
        {
            try
            {
                using var guard = mutex.Lock();
            }
            catch (ObjectDisposedException)
            {
                faulted++;
            }
        });
        var async = Explorer.Spawn(async () =>
        {
            try
            {
                using var guard = await mutex.LockAsync();
            }
            catch (ObjectDisposedException)
            {
                faulted++;
            }
        });
        SchedulingPoint.Interleave();
        mutex.Dispose();
        holder.Dispose(); // a holder may still unlock after Dispose
        await Task.WhenAll(sync, async);
        Explorer.Assert(faulted == 2, $"{faulted} of 2 waiters got ObjectDisposedException");
        Explorer.Assert(mutex.WaiterCount == 0, "a waiter stayed queued after Dispose");
    }, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void WaitQueue_DisposeWithSyncAndAsyncWaiters_EveryWaiterGetsObjectDisposed(string strategy) => AssertNoBugs(async () =>
    {
        var queue = new WaitQueue();
        var faulted = 0;
        var sync = Explorer.Spawn(() =>
        {
            try
            {
                queue.WaitUntil(static () => false);
            }
            catch (ObjectDisposedException)
            {
                faulted++;
            }
        });
        var async = Explorer.Spawn(async () =>
        {
            try
            {
                await queue.WaitUntilExclusiveAsync(static () => false);
            }
            catch (ObjectDisposedException)
            {
                faulted++;
            }
        });
        SchedulingPoint.Interleave();
        queue.Dispose();
        await Task.WhenAll(sync, async);
        Explorer.Assert(faulted == 2, $"{faulted} of 2 waiters got ObjectDisposedException");
        Explorer.Assert(queue.WaiterCount == 0, "a waiter stayed queued after Dispose");
    }, Options(strategy));

    // ---- exact outcome sets ----

    /// <summary>
    /// Three async waiters on PinnedSemaphore(0, 3), released one by one (each release waits until its grantee has
    /// recorded itself): a queues first, b and c race to queue behind it. With no newcomer to barge, queued waiters are
    /// woken in queue order, so the acquisition order is the arrival order: the allowed set is every order with a
    /// before b and c. DFS observes exactly that set; PCT never sees an order outside it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedSemaphore_ThreeAsyncWaitersReleasedOneByOne_AcquisitionOrdersEqualAllowedSet(string strategy)
    {
        var allowed = Permutations("abc").Where(p => p.StartsWith('a')).ToHashSet(StringComparer.Ordinal);
        var observed = new HashSet<string>(StringComparer.Ordinal);
        AssertNoBugs(async () =>
        {
            using var semaphore = new PinnedSemaphore(0, 3);
            var order = string.Empty;
            Task Waiter(char name) => Explorer.Spawn(async () =>
            {
                await semaphore.WaitAsync();
                order += name;
            });

            var a = Waiter('a');
            SpinUntil(() => semaphore.WaiterCount == 1);
            var b = Waiter('b');
            var c = Waiter('c');
            SpinUntil(() => semaphore.WaiterCount == 3);
            for (var i = 1; i <= 3; i++)
            {
                semaphore.Release();
                var expected = i;
                SpinUntil(() => order.Length == expected);
            }

            await Task.WhenAll(a, b, c);
            Explorer.Assert(allowed.Contains(order), $"acquisition order {order} is not the queue order");
            observed.Add(order);
        }, Options(strategy));

        if (strategy == "dfs")
        {
            Assert.Equal(allowed.Order(StringComparer.Ordinal), observed.Order(StringComparer.Ordinal));
        }
    }

    private static async Task<string> StarvationProgram(TimeSpan holdFor)
    {
        using var mutex = new PinnedMutex<int>(0);
        var order = string.Empty;
        var holder = await mutex.LockAsync();
        var first = Explorer.Spawn(() =>
        {
            using var guard = mutex.Lock();
            order += '1';
        });
        SpinUntil(() => mutex.WaiterCount == 1);
        var second = Explorer.Spawn(async () =>
        {
            using var guard = await mutex.LockAsync();
            order += '2';
        });
        SpinUntil(() => mutex.WaiterCount == 2);
        if (holdFor > TimeSpan.Zero)
        {
            await Explorer.Delay(holdFor); // virtual time passes inside the critical section
        }

        var newcomer = Explorer.Spawn(() =>
        {
            using var guard = mutex.Lock();
            order += 'n';
        });
        holder.Dispose();
        await Task.WhenAll(first, second, newcomer);
        Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
        return order;
    }

    /// <summary>Spins at scheduling points (which let every other operation run first) until <paramref name="done"/>.</summary>
    private static void SpinUntil(Func<bool> done)
    {
        while (!done())
        {
            SchedulingPoint.Yield();
        }
    }

    private static IEnumerable<string> Permutations(string items) => items.Length <= 1
        ? [items]
        : items.SelectMany((c, i) => Permutations(items.Remove(i, 1)).Select(rest => c + rest));

    private static void AssertNoBugs(Func<Task> body, ExplorerOptions options)
    {
        var report = ExplorerAssert.NoBugs(body, options);
        Assert.True(!options.Strategy.IsExhaustive || report.SpaceCovered, $"DFS did not cover the space: {report}");
    }

    private static ExplorerOptions Options(string strategy) => strategy == "dfs"
        ? new ExplorerOptions { Iterations = 100_000, Strategy = Strategy.Dfs(2) }
        : new ExplorerOptions { Iterations = s_pctIterations, Strategy = Strategy.Pct(3), Seed = 2025 };
}
