using PinSync.Pinning;
using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Sync.Review;

/// <summary>
/// Review of the last wake-protocol changes: the one-pending-wake rule (WakePending), the lost-once handoff
/// (WaitNodeFlags.LostWakeup), waiters that keep their slab node for life, async condition waits that re-take the
/// mutex inside the waiter, and the spinning <see cref="Parker"/>. Explorer tests report a lost wakeup as a deadlock.
/// </summary>
public sealed partial class WakeProtocolReviewTests : TestBase
{
    public static TheoryData<string> Strategies => ["pct", "dfs"];

    public static TheoryData<string, string> StrategiesAndEndings => new()
    {
        { "pct", "timeout" }, { "pct", "cancel" }, { "pct", "dispose" },
        { "dfs", "timeout" }, { "dfs", "cancel" }, { "dfs", "dispose" },
    };

    // ---- rule 4 / rule 3: a condition waiter that ends before it is queued goes back to the pool clean ----

    /// <summary>
    /// CondVar.WaitAsync rents a waiter, calls Begin and then BeginRelock, and only then checks (under the condition
    /// variable's lock) whether the condition variable was disposed or the wait was abandoned (its timeout fired or
    /// its token was canceled before it was linked). On those paths the waiter is given back with Abort, which
    /// clears neither <c>_relock</c> nor <c>_relockToken</c>. The next wait that rents it (any RawMutex, semaphore,
    /// wait queue or condition wait) carries the stale re-lock: granted, it restores the old guard token on the
    /// old <see cref="PinnedMutex{T}"/> (which may be held by someone else: that holder's guard turns stale and the
    /// mutex can never be released through it); ending otherwise, Execute calls <c>_ops.Relock</c>, which throws
    /// InvalidOperationException on a thread-pool thread for a non-condition wait (the process dies).
    /// Reproduced deterministically through the exact code path CondVar.StartWaitAsync takes when CondVar.Dispose
    /// races with it (raw condition variable disposed after the façade's check).
    /// </summary>
    [Fact]
    public unsafe void CondVarWaitAsync_EndedBeforeQueuing_DoesNotLeakItsRelockIntoTheNextWait()
    {
        using var guarded = new PinnedMutex<int>(0);
        using var other = new PinnedMutex<int>(0);
        var rawCondVar = PinnedStorage.Allocate<RawCondVar>(out var condVarStorage);
        PinInit.InPlace(rawCondVar, RawCondVar.Init());
        RawCondVar.Dispose(rawCondVar);

        // 1. A condition wait under guard t1 ends before it is queued (what StartWaitAsync does, step by step).
        var first = guarded.Lock();
        var staleToken = first.Token;
        guarded.ClearToken(staleToken);
        Assert.Throws<ObjectDisposedException>(() => StartRawWait(rawCondVar, guarded, staleToken));
        guarded.RestoreToken(staleToken);
        first.Dispose();

        // 2. Someone else holds the mutex now, under a new guard.
        var second = guarded.Lock();
        Assert.True(second.Acquired);

        // 3. An unrelated async wait on this thread (it rents the pooled waiter the condition wait gave back) is
        //    granted another mutex.
        Assert.True(RawMutex.TryLock(other.Raw));
        var pending = RawMutex.LockAsync(other.Raw).AsTask();
        RawMutex.Unlock(other.Raw);
        Assert.True(((IAsyncResult)pending).AsyncWaitHandle.WaitOne(UnexpectedTimeout), "hang guard");
        RawMutex.Unlock(other.Raw);

        // 4. The unrelated wait must not have touched the first mutex's acquisition.
        var stillCurrent = second.Acquired;
        var release = Record.Exception(() => second.Dispose());
        if (release is not null && guarded.IsLocked)
        {
            RawMutex.Unlock(guarded.Raw); // clean up after the bug
        }

        GC.KeepAlive(condVarStorage);
        Assert.True(stillCurrent, "an unrelated async wait restored a stale guard token on another mutex");
        Assert.Null(release);
    }

    private static unsafe void StartRawWait(RawCondVar* condVar, PinnedMutex<int> mutex, uint token) =>
        RawCondVar.WaitAsyncCore(condVar, mutex.Raw, Seam.Infinite, keepAlive: null, mutex, token, out _, CancellationToken.None);

    // ---- rule 1: every woken waiter clears WakePending, whatever ends its wait ----

    /// <summary>An async waiter is woken (WakePending set), the holder barges back in, and the waiter's token is
    /// canceled around its competition (AbandonWoken/PassWakeup, or RetryWokenCore's honorAbandon path): the blocking
    /// waiter behind it still gets the mutex (no lost wakeup), and nothing stays locked or queued.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void WokenAsyncWaiterCanceledWhileHolderBarges_NextWaiterStillWoken(string strategy)
    {
        var barged = 0;
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            using var cancel = new CancellationTokenSource();
            var holder = await mutex.LockAsync();
            var canceled = false;
            var first = Explorer.Spawn(async () =>
            {
                try
                {
                    using var guard = await mutex.LockAsync(cancel.Token);
                    guard.Value++;
                }
                catch (OperationCanceledException)
                {
                    canceled = true;
                }
            });
            SpinUntil(() => mutex.WaiterCount == 1);
            var second = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                guard.Value++;
            });
            SpinUntil(() => mutex.WaiterCount == 2);

            holder.Dispose(); // wakes the first waiter
            if (mutex.TryLock(out holder))
            {
                barged++;
                SchedulingPoint.Interleave();
                cancel.Cancel();
                SchedulingPoint.Interleave();
                holder.Dispose(); // a wake may still be pending: this unlock may wake nobody
            }
            else
            {
                cancel.Cancel();
            }

            await Task.WhenAll(first, second);
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
            using (var check = mutex.Lock())
            {
                Explorer.Assert(check.Value == (canceled ? 1 : 2), $"value {check.Value}, canceled {canceled}");
            }

            mutex.Dispose();
        }, Options(strategy));

        Assert.True(barged > 0, "no schedule barged past the woken waiter: the test saw nothing");
    }

    /// <summary>The blocking twin with a timeout: a woken blocking waiter whose deadline passes gives up
    /// (PassWakeup), or loses and re-queues, or is handed the mutex after losing once (LostWakeup) while its timeout
    /// races the handoff. A waiter that reports success holds the mutex; the waiter behind it is never stranded.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void WokenBlockingWaiterTimingOutWhileHolderBarges_NextWaiterStillWoken(string strategy)
    {
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var holder = await mutex.LockAsync();
            var got = false;
            var first = Explorer.Spawn(() =>
            {
                if (mutex.TryLock(TimeSpan.FromMilliseconds(5), out var guard))
                {
                    got = true;
                    Explorer.Assert(guard.Acquired && mutex.IsLocked, "a timed waiter reported success without the mutex");
                    guard.Value++;
                    guard.Dispose();
                }
            });
            SpinUntil(() => mutex.WaiterCount == 1 || first.IsCompleted);
            var second = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                guard.Value++;
            });
            SpinUntil(() => mutex.WaiterCount >= 1 && (mutex.WaiterCount == 2 || first.IsCompleted));

            holder.Dispose();
            if (mutex.TryLock(out holder))
            {
                SchedulingPoint.Interleave();
                holder.Dispose();
                if (mutex.TryLock(out holder))
                {
                    holder.Dispose();
                }
            }

            await Task.WhenAll(first, second);
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
            using (var check = mutex.Lock())
            {
                Explorer.Assert(check.Value == (got ? 2 : 1), $"value {check.Value}, first got it: {got}");
            }

            mutex.Dispose();
        }, Options(strategy));
    }

    /// <summary>Dispose while a wake is pending: the woken waiter and the queued ones all finish (lock or
    /// ObjectDisposedException), the holder can still release, and nothing hangs.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void DisposeWhileAWakeIsPending_EveryWaiterFinishes(string strategy)
    {
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var holder = await mutex.LockAsync();
            var first = Explorer.Spawn(async () =>
            {
                try
                {
                    using var guard = await mutex.LockAsync();
                }
                catch (ObjectDisposedException)
                {
                }
            });
            SpinUntil(() => mutex.WaiterCount == 1);
            var second = Explorer.Spawn(() =>
            {
                try
                {
                    using var guard = mutex.Lock();
                }
                catch (ObjectDisposedException)
                {
                }
            });
            SpinUntil(() => mutex.WaiterCount == 2);
            holder.Dispose(); // wakes the first waiter
            var barged = mutex.TryLock(out holder);
            mutex.Dispose();
            if (barged)
            {
                holder.Dispose();
            }

            await Task.WhenAll(first, second);
            Explorer.Assert(mutex.WaiterCount == 0, $"left behind: {mutex}");
        }, Options(strategy));
    }

    // ---- rule 3: a pooled waiter reused after every kind of ending ----

    /// <summary>One thread runs, back to back, async waits that end every way (granted, woken and re-queued,
    /// timed out, canceled, condition-timed-out and re-locked): each reuses the pooled waiter and its node. Every
    /// wait reports its own outcome, and the mutexes end free with nothing queued.</summary>
    [Fact]
    public async Task PooledWaiterReusedAfterEveryEnding_EachWaitReportsItsOwnOutcome()
    {
        using var mutex = new PinnedMutex<int>(0);
        using var condVar = new PinSync.CondVar();
        for (var i = 0; i < 200; i++)
        {
            // Timed out while held.
            var held = await mutex.LockAsync();
            Assert.False(await WithTimeout(RawTryLockAsync(mutex, TimeSpan.FromMilliseconds(1))));

            // Canceled while held.
            using (var cancel = new CancellationTokenSource())
            {
                var pending = RawLockAsync(mutex, cancel.Token);
                cancel.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(pending));
            }

            // Granted after an unlock.
            var granted = RawTryLockAsync(mutex, Timeout.InfiniteTimeSpan);
            held.Dispose();
            Assert.True(await WithTimeout(granted));
            RawUnlock(mutex);

            // A condition wait that times out re-takes the mutex under its guard.
            using (var guard = await mutex.LockAsync())
            {
                Assert.False(await WithTimeout(condVar.WaitAsync(guard, TimeSpan.FromMilliseconds(1)).AsTask()));
                Assert.True(guard.Acquired);
            }

            Assert.False(mutex.IsLocked);
            Assert.Equal(0, mutex.WaiterCount);
        }
    }

    // ---- rule 5: the spinning parker never loses a permit ----

    /// <summary>Two threads ping-pong permits through their parkers (sometimes caught while spinning, sometimes
    /// asleep, with a random delay before each unpark): every Park with a bounded deadline must get its permit
    /// (a lost permit shows up as a timed-out Park), and a timed-out Park leaves no stale state behind.</summary>
    [Fact]
    public void Parker_PingPong_NoPermitLostAndTimeoutsLeaveNoState()
    {
        const int rounds = 5_000;
        var ids = new int[2];
        var ready = new CountdownEvent(2);
        var lost = new int[2];
        var threads = new Thread[2];
        for (var side = 0; side < 2; side++)
        {
            var me = side;
            threads[side] = new Thread(() =>
            {
                var parker = Parker.ForCurrentThread();
                ids[me] = parker.Id;

                // A park that times out (or eats a stale permit) first: it must leave the parker usable. No asserts
                // on these threads: an exception here would take the test host down.
                parker.Park(Seam.ProductionNowTicks() + TimeSpan.TicksPerMillisecond);

                ready.Signal();
                ready.Wait();
                var random = new Random(me);
                for (var i = 0; i < rounds; i++)
                {
                    if ((i & 1) == me)
                    {
                        Thread.SpinWait(random.Next(0, 400));
                        Parker.FromId(ids[1 - me])!.Unpark();
                    }
                    else if (!parker.Park(Seam.ProductionNowTicks() + (5 * TimeSpan.TicksPerSecond)))
                    {
                        lost[me]++;
                        return;
                    }
                }
            })
            { IsBackground = true, Name = $"parker {side}" };
            threads[side].Start();
        }

        foreach (var thread in threads)
        {
            JoinOrFail(thread);
        }

        Assert.Equal([0, 0], lost);
    }

    // ---- helpers ----

    private static unsafe Task<bool> RawTryLockAsync(PinnedMutex<int> mutex, TimeSpan timeout) =>
        RawMutex.TryLockAsync(mutex.Raw, timeout).AsTask();

    private static unsafe Task RawLockAsync(PinnedMutex<int> mutex, CancellationToken cancellationToken) =>
        RawMutex.LockAsync(mutex.Raw, cancellationToken).AsTask();

    private static unsafe void RawUnlock(PinnedMutex<int> mutex) => RawMutex.Unlock(mutex.Raw);

    private static void SpinUntil(Func<bool> done)
    {
        while (!done())
        {
            SchedulingPoint.Yield();
        }
    }

    private static ExplorerOptions Options(string strategy) => strategy == "dfs"
        ? new ExplorerOptions { Iterations = 3_000, Strategy = Strategy.Dfs(2) }
        : new ExplorerOptions { Iterations = 400, Strategy = Strategy.Pct(3), Seed = 71 };
}
