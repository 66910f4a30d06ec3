using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Sync.Review;

/// <summary>
/// Review of the mutex's deferred wakes (src/PinSync/Sync/RawMutex.Deferral.cs): an async <see cref="PinnedMutex{T}"/>
/// waiter that lost the race it was woken for goes back to the head flagged DeferWake, and an unlock then only releases,
/// leaving the wake to the releasing thread's exit check. Each test sets that state up on purpose (the holder wakes the
/// head, barges back in, and waits until the head has lost and re-queued) and then ends it in a way the deferral must
/// survive; a waiter left asleep on a free mutex shows up as a deadlock (explorer) or a hang (threads).
/// </summary>
public sealed class DeferredWakeReviewTests : TestBase
{
    public static TheoryData<string, string> StrategiesAndEndings => new()
    {
        { "pct", "timeout" }, { "pct", "cancel" }, { "pct", "dispose" },
        { "dfs", "timeout" }, { "dfs", "cancel" }, { "dfs", "dispose" },
    };

    public static TheoryData<string, FaultInjection> FaultMatrix => new()
    {
        { "cancel", FaultInjection.Interrupt }, { "cancel", FaultInjection.Exception },
        { "timeout", FaultInjection.Interrupt }, { "timeout", FaultInjection.Exception },
    };

    public static TheoryData<string, bool> StrategiesAndFlavors => new()
    {
        { "pct", false }, { "pct", true }, { "dfs", false }, { "dfs", true },
    };

    public static TheoryData<string> Strategies => ["pct", "dfs"];

    // ---- the deferred head leaves while its exit check is queued ----

    /// <summary>
    /// The head is deferred (the holder's last unlock only released and queued the exit check), a blocking waiter is
    /// queued behind it, and then the head leaves without the mutex — its timeout fires, its token is canceled, or the
    /// mutex is disposed — at any point around the queued check. The blocking waiter must still get the mutex (or
    /// ObjectDisposedException): it is not flagged, and after the head left only the check can wake it. Some schedules
    /// must really defer (the test is not vacuous).
    /// </summary>
    [Theory]
    [MemberData(nameof(StrategiesAndEndings))]
    public void DeferredHeadLeavesWhileItsCheckIsQueued_BlockingWaiterBehindStillGetsTheMutex(string strategy, string ending)
    {
        var deferred = SchedulesThatDeferred(() => DeferredHeadLeaves(ending, faultTolerant: false), Options(strategy));

        // PCT fires the head's timer early in every schedule it tries (virtual time passes whenever the schedule says
        // so); DFS and the other endings do reach the deferral.
        Assert.True(deferred > 0 || (ending == "timeout" && strategy == "pct"), "no schedule deferred the head's wake: the test saw nothing");
    }

    /// <summary>The same with faults (an interrupt or an injected exception) ending the blocking waiter's park at any
    /// point — also right after the exit check woke it, when it must pass the wake on (PassOn → PassWakeup, whose
    /// release may itself defer). The invariant check then requires the mutex free, unqueued and with no wake
    /// pending after every schedule.</summary>
    [Theory]
    [MemberData(nameof(FaultMatrix))]
    public void DeferredHeadLeavesWhileItsCheckIsQueued_FaultsOnTheWaiterBehind_MutexWhole(string ending, FaultInjection faults)
    {
        var deferred = SchedulesThatDeferred(() => DeferredHeadLeaves(ending, faultTolerant: true),
            new ExplorerOptions { Iterations = 400, Strategy = Strategy.Pct(3), Seed = 23, Faults = faults, CheckInvariants = true });

        Assert.True(deferred > 0 || ending == "timeout", "no schedule deferred the head's wake: the test saw nothing");
    }

    /// <summary>Explores <paramref name="schedule"/> (no bug allowed) and counts the schedules in which it reported a
    /// deferred wake.</summary>
    private static int SchedulesThatDeferred(Func<Task<bool>> schedule, ExplorerOptions options)
    {
        var deferred = 0;
        ExplorerAssert.NoBugs(async () =>
        {
            if (await schedule())
            {
                deferred++;
            }
        }, options);
        return deferred;
    }

    /// <summary>Returns whether the holder's last unlock left the head (and the waiter behind it) queued on a free
    /// mutex, that is, deferred.</summary>
    private static async Task<bool> DeferredHeadLeaves(string ending, bool faultTolerant)
    {
        var mutex = new PinnedMutex<int>(0);
        using var cancel = new CancellationTokenSource();
        var headGot = 0;
        var behindGot = 0;
        var headDone = false;
        var behindDone = false;
        var holder = await mutex.LockAsync();
        var head = Explorer.Spawn(async () =>
        {
            try
            {
                var guard = ending == "timeout"
                    ? await mutex.TryLockAsync(TimeSpan.FromMilliseconds(5))
                    : await mutex.LockAsync(cancel.Token);
                if (guard.Acquired)
                {
                    guard.Value++;
                    headGot++;
                    guard.Dispose();
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                headDone = true;
            }
        });
        SpinUntil(() => mutex.WaiterCount == 1 || headDone);

        var deferred = false;
        var behind = Task.CompletedTask;
        holder.Dispose(); // wakes the head to compete
        if (mutex.TryLock(out holder))
        {
            // The head loses to us and re-queues at the head, flagged DeferWake (unless its timeout fired first).
            SpinUntil(() => mutex.WaiterCount == 1 || headDone);
            behind = Explorer.Spawn(() =>
            {
                try
                {
                    using var guard = mutex.Lock();
                    guard.Value++;
                    behindGot++;
                }
                catch (ObjectDisposedException)
                {
                }
                catch (Exception exception) when (faultTolerant && exception is ThreadInterruptedException or InjectedFaultException)
                {
                }
                finally
                {
                    behindDone = true;
                }
            });
            SpinUntil(() => mutex.WaiterCount == 2 || headDone || behindDone);

            holder.Dispose(); // the head is deferred: this only releases and queues the exit check
            deferred = !mutex.IsLocked && mutex.WaiterCount == 2;
        }

        switch (ending)
        {
            case "cancel":
                cancel.Cancel();
                break;
            case "dispose":
                mutex.Dispose();
                break;
        }

        await Task.WhenAll(head, behind);
        if (ending != "dispose")
        {
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
            Explorer.Assert(mutex.TryLock(out var last), $"a free mutex could not be taken: {mutex}");
            Explorer.Assert(last.Value == headGot + behindGot, $"value {last.Value}, head {headGot}, behind {behindGot}");
            last.Dispose(); // not disposed: the invariant check then also requires no wake pending
        }

        return deferred;
    }

    // ---- the starvation bound still holds for a deferred head ----

    /// <summary>
    /// The head lost once and is deferred; the holder keeps the mutex across 2 ms of virtual time and unlocks: the
    /// head has waited past <see cref="RawMutex.StarvationThreshold"/> (1 ms), so that unlock must hand the mutex
    /// over (the holder's immediate TryLock fails) instead of deferring again. A deferral there would let a holder
    /// that re-takes the lock at once starve the head for as long as it likes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void DeferredHeadPastTheStarvationBound_HandedTheMutexAtTheNextUnlock(string strategy)
    {
        var starved = 0;
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var holder = await mutex.LockAsync();
            var head = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value++;
            });
            SpinUntil(() => mutex.WaiterCount == 1);

            holder.Dispose(); // wakes the head
            if (mutex.TryLock(out holder))
            {
                // (TryLock's scheduling point comes before it takes the mutex: the head may have had it meanwhile.)
                SpinUntil(() => mutex.WaiterCount == 1 || head.IsCompleted);
                if (mutex.WaiterCount == 1)
                {
                    // It lost to us and re-queued, flagged DeferWake.
                    await Explorer.Delay(2); // past the starvation bound, still holding
                    holder.Dispose();

                    // Read before any scheduling point: a handoff leaves the head unlinked and the mutex held for it,
                    // a deferral leaves it queued on a free mutex.
                    var deferredAgain = !mutex.IsLocked && mutex.WaiterCount == 1;
                    Explorer.Assert(!deferredAgain, "a head that had waited past StarvationThreshold was deferred, not handed the mutex");
                    starved++;
                }
                else
                {
                    holder.Dispose();
                }
            }

            await head;
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
        }, Options(strategy));

        Assert.True(starved > 0, "no schedule had the head lose a race: the test saw nothing");
    }

    // ---- a deferred head and a notified condition waiter woken without the wait lock ----

    /// <summary>
    /// A condition waiter (blocking, or awaited) waits; the holder makes an async head lose and re-queue (deferred),
    /// then sets the condition, unlocks — a deferred release that queues the exit check — and notifies after the
    /// unlock, so the notified waiter is woken to compete for the free mutex without its wait lock and without
    /// WakePending, while the exit check may wake the deferred head too: two woken waiters in flight. Both must end
    /// holding the mutex once (exact counter), and nothing may stay queued or locked.
    /// </summary>
    [Theory]
    [MemberData(nameof(StrategiesAndFlavors))]
    public void DeferredHeadAndNotifyAfterUnlock_BothWokenWaitersGetTheMutex(string strategy, bool asyncConditionWaiter)
    {
        var deferred = 0;
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            var ready = false;
            var waiter = asyncConditionWaiter
                ? Explorer.Spawn(async () =>
                {
                    using var guard = await mutex.LockAsync();
                    while (!ready)
                    {
                        await condVar.WaitAsync(guard);
                    }

                    guard.Value++;
                })
                : Explorer.Spawn(() =>
                {
                    using var guard = mutex.Lock();
                    while (!ready)
                    {
                        condVar.Wait(guard);
                    }

                    guard.Value++;
                });
            SpinUntil(() => condVar.WaiterCount == 1);

            var holder = await mutex.LockAsync();
            var head = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value++;
            });
            SpinUntil(() => mutex.WaiterCount == 1);
            holder.Dispose(); // wakes the head
            if (mutex.TryLock(out holder))
            {
                SpinUntil(() => mutex.WaiterCount == 1 || head.IsCompleted); // lost and re-queued (or had it already)
            }
            else
            {
                holder = mutex.Lock(); // the head won; take the mutex to change the condition
            }

            ready = true;
            holder.Dispose(); // deferred release when the head is queued
            if (mutex.WaiterCount == 1 && !mutex.IsLocked)
            {
                deferred++;
            }

            condVar.NotifyOne(); // after the unlock: the mutex is likely free, so the waiter is woken without locks
            await Task.WhenAll(waiter, head);
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && condVar.WaiterCount == 0, $"left behind: {mutex}");
            Explorer.Assert(mutex.TryLock(out var last), $"a free mutex could not be taken: {mutex}");
            Explorer.Assert(last.Value == 2, $"value {last.Value} after two critical sections");
            last.Dispose();
        }, Options(strategy));

        Assert.True(deferred > 0, "no schedule deferred the head's wake: the test saw nothing");
    }

    // ---- production path (real threads): one thread's exit check, two mutexes ----

    /// <summary>
    /// Real threads, the production exit check (one per thread, reused): one thread makes an async head lose and
    /// re-queue on each of two mutexes, then releases both back to back. The first release defers (its check is
    /// queued for the first mutex); the second finds the thread's check busy with another mutex and must wake at
    /// once. Released from a dedicated thread (the check goes to the global queue), or from a pool work item that then
    /// blocks until both heads have the mutex (the check sits in the blocked thread's local queue and runs only when
    /// another worker steals it). Both heads must get their mutex every round.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OneThreadDefersOnTwoMutexes_BothHeadsGetTheirMutex(bool releaseOnPoolThread)
    {
        using var first = new PinnedMutex<int>(0);
        using var second = new PinnedMutex<int>(0);
        Exception? failure = null;

        // The set-up runs on a dedicated thread: a pool thread would have to wait for another worker to steal each
        // head's completion out of its own local queue.
        var thread = new Thread(() =>
        {
            try
            {
                DeferTwiceEachRound(first, second, releaseOnPoolThread);
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        }) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(UnexpectedTimeout * 2), $"hang guard (thread): {first} {second}");
        Assert.Null(failure);

        using var a = first.Lock();
        using var b = second.Lock();
        Assert.Equal((Rounds, Rounds), (a.Value, b.Value));
    }

    private const int Rounds = 10;

    private static void DeferTwiceEachRound(PinnedMutex<int> first, PinnedMutex<int> second, bool releaseOnPoolThread)
    {
        for (var round = 0; round < Rounds; round++)
        {
            var firstHolder = DeferredHead(first, out var firstHead);
            var secondHolder = DeferredHead(second, out var secondHead);
            void ReleaseBothAndWait()
            {
                firstHolder.Dispose(); // defers: this thread's check now covers the first mutex
                secondHolder.Dispose(); // the check is busy (or ran already): wakes at once (or defers afresh)
                Assert.True(firstHead.Wait(UnexpectedTimeout), $"round {round}: the first head slept on a free mutex");
                Assert.True(secondHead.Wait(UnexpectedTimeout), $"round {round}: the second head slept on a free mutex");
            }

            if (releaseOnPoolThread)
            {
                // The pool thread then blocks in its work item: its exit check waits in its local queue until
                // another worker steals it.
                Assert.True(Task.Run(ReleaseBothAndWait).Wait(UnexpectedTimeout * 2), $"hang guard (pool work item), round {round}: {first} {second}");
            }
            else
            {
                ReleaseBothAndWait();
            }
        }
    }

    /// <summary>Holds <paramref name="mutex"/> and returns its guard, with an async head that lost the race it was woken
    /// for and re-queued (flagged DeferWake); <paramref name="head"/> completes once that waiter had the mutex.</summary>
    private static MutexGuard<int> DeferredHead(PinnedMutex<int> mutex, out Task head)
    {
        while (true)
        {
            var holder = mutex.Lock();
            var waiter = TakeOnce(mutex);
            SpinWaitFor(() => mutex.WaiterCount == 1 || waiter.IsCompleted);
            holder.Dispose(); // wakes it; its completion runs on the pool
            if (mutex.TryLock(out holder))
            {
                // It ran, lost to us and re-queued; or (on a loaded machine, when this thread lost its CPU between the
                // unlock and TryLock) it took the mutex, finished and released before our TryLock: undo and retry.
                SpinWaitFor(() => mutex.WaiterCount == 1 || waiter.IsCompleted);
                if (!waiter.IsCompleted)
                {
                    head = waiter;
                    return holder;
                }

                holder.Value--;
                holder.Dispose();
                continue;
            }

            Assert.True(waiter.Wait(UnexpectedTimeout), $"hang guard (the waiter won): {mutex}"); // it won the race: try again
            using (var undo = mutex.Lock())
            {
                undo.Value--;
            }
        }
    }

    private static async Task TakeOnce(PinnedMutex<int> mutex)
    {
        using var guard = await mutex.LockAsync();
        guard.Value++;
    }

    private static void SpinWaitFor(Func<bool> done)
    {
        var deadline = Environment.TickCount64 + (long)UnexpectedTimeout.TotalMilliseconds;
        var spinner = default(SpinWait);
        while (!done())
        {
            Assert.True(Environment.TickCount64 < deadline, "hang guard (spin)");
            spinner.SpinOnce();
        }
    }

    private static void SpinUntil(Func<bool> done)
    {
        while (!done())
        {
            SchedulingPoint.Yield();
        }
    }

    // The invariant check (mutex free, nobody queued, no wake pending after every schedule) is on without faults too.
    private static ExplorerOptions Options(string strategy) => strategy == "dfs"
        ? new ExplorerOptions { Iterations = 3_000, Strategy = Strategy.Dfs(2), CheckInvariants = true }
        : new ExplorerOptions { Iterations = 400, Strategy = Strategy.Pct(3), Seed = 73, CheckInvariants = true };
}
