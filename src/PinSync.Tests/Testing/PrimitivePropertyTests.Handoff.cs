using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>
/// The mutex's wake rules under the explorer, where no virtual time passes, so the 1 ms starvation bound never
/// applies and each rule is seen alone: one woken waiter at a time (an unlock while a wake is pending wakes nobody
/// else), a blocking waiter that lost one race is handed the mutex at the next unlock, and an async one is not (it
/// competes again: a handoff would hold the mutex idle across its completion's thread-pool hop).
/// </summary>
public sealed partial class PrimitivePropertyTests
{
    /// <summary>A blocking waiter is woken, loses to the barging holder and re-queues: the next unlock hands it the
    /// mutex, so the holder's TryLock fails in every schedule in which the waiter lost.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_BlockingWaiterThatLostOnce_HandedTheMutexAtTheNextUnlock(string strategy)
    {
        var lostOnce = 0;
        AssertNoBugs(async () =>
        {
            if (await LostWakeupProgram(asyncWaiter: false) is { } tookItBack)
            {
                lostOnce++;
                Explorer.Assert(!tookItBack, "the holder barged past a blocking waiter that had already lost once");
            }
        }, Options(strategy));

        Assert.True(lostOnce > 0, "no schedule had the waiter lose a race: the test saw nothing");
    }

    /// <summary>The twin: an async waiter that lost once is woken to compete again, not handed the mutex, so some
    /// schedules see the holder barge past it a second time.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_AsyncWaiterThatLostOnce_WokenToCompeteAgain(string strategy)
    {
        var outcomes = new HashSet<bool>();
        AssertNoBugs(async () =>
        {
            if (await LostWakeupProgram(asyncWaiter: true) is { } tookItBack)
            {
                outcomes.Add(tookItBack);
            }
        }, Options(strategy));

        Assert.Contains(true, outcomes);
    }

    /// <summary>
    /// Two blocking waiters; the holder unlocks (waking the first), takes the mutex back before that waiter runs, and
    /// unlocks again: with the first wake still pending, the second unlock wakes nobody — the second waiter stays
    /// queued. Every party still gets the mutex (no wakeup is lost).
    /// </summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_UnlockWhileAWakeIsPending_WakesNobodyElse(string strategy)
    {
        var pendingSeen = 0;
        AssertNoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var acquired = 0;
            var holder = await mutex.LockAsync();
            var first = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                acquired++;
            });
            SpinUntil(() => mutex.WaiterCount == 1);
            var second = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                acquired++;
            });
            SpinUntil(() => mutex.WaiterCount == 2);

            holder.Dispose(); // wakes the first waiter
            if (mutex.TryLock(out holder) && acquired == 0 && mutex.WaiterCount == 1)
            {
                // The first waiter has not competed yet: it has not had the mutex, and it is not queued again.
                holder.Dispose();
                pendingSeen++;
                Explorer.Assert(mutex.WaiterCount >= 1, "an unlock woke a second waiter while the first wake was pending");
            }

            else if (holder.Acquired)
            {
                holder.Dispose();
            }

            await Task.WhenAll(first, second);
            Explorer.Assert(acquired == 2 && !mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}, acquired {acquired}");
            mutex.Dispose();
        }, Options(strategy));

        Assert.True(pendingSeen > 0, "no schedule had an unlock while a wake was pending: the test saw nothing");
    }

    /// <summary>The holder unlocks (waking the waiter) and barges back in; once the waiter has lost and re-queued, the
    /// holder unlocks and tries again. Returns whether that TryLock barged past the waiter (took the mutex before the
    /// waiter ever had it), or <see langword="null"/> in schedules where the waiter won the first race instead. (A
    /// TryLock has a scheduling point before its compare-and-swap, so the waiter may run inside it: the protected
    /// value, which the waiter increments, tells who had the mutex first.)</summary>
    private static async Task<bool?> LostWakeupProgram(bool asyncWaiter)
    {
        var mutex = new PinnedMutex<int>(0);
        var holder = await mutex.LockAsync();
        var waiter = asyncWaiter
            ? Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value++;
            })
            : Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                guard.Value++;
            });
        SpinUntil(() => mutex.WaiterCount == 1);

        bool? tookItBack = null;
        holder.Dispose(); // wakes the waiter to compete
        if (mutex.TryLock(out holder) && holder.Value == 0)
        {
            SpinUntil(() => mutex.WaiterCount == 1); // the waiter ran, lost, and queued again
            holder.Dispose();
            var taken = mutex.TryLock(out holder);
            tookItBack = taken && holder.Value == 0;
            if (taken)
            {
                holder.Dispose();
            }
        }
        else if (holder.Acquired)
        {
            holder.Dispose();
        }

        await waiter;
        Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
        mutex.Dispose();
        return tookItBack;
    }
}
