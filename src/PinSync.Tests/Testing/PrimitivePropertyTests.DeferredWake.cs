using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>
/// The mutex's deferred wake (RawMutex.Deferral.cs) under the explorer: an async waiter that lost a race is not woken
/// by the next unlock; the releasing thread's exit check wakes it if the mutex is still free once the releaser's
/// step ends. The final unlock of a program therefore leaves the waiter asleep on a free mutex for a moment, and the
/// check must end that in every schedule; a mutant without the check hangs.
/// </summary>
public sealed partial class PrimitivePropertyTests
{
    /// <summary>The holder wakes the waiter, barges back in, and once the waiter has lost and re-queued, unlocks for
    /// the last time: in every schedule the waiter still gets the mutex, and some schedules see it asleep on the free
    /// mutex right after that unlock (the deferral happened: the test is not vacuous).</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_DeferredWake_FinalUnlockNeverLeavesTheWaiterAsleep(string strategy)
    {
        var deferred = 0;
        AssertNoBugs(async () =>
        {
            if (await DeferredWakeProgram(mutant: false))
            {
                deferred++;
            }
        }, Options(strategy));

        Assert.True(deferred > 0, "no schedule deferred a wake: the test saw nothing");
    }

    /// <summary>The same program with the exit check removed for its mutex: the explorer finds the waiter asleep for
    /// ever on the free mutex (the program's last await never completes).</summary>
    [Fact]
    public void PinnedMutex_DeferredWakeWithoutExitCheck_Found()
    {
        var report = Explorer.Run(async () => await DeferredWakeProgram(mutant: true), Options("pct"));
        Assert.True(report.Kind is BugKind.Deadlock or BugKind.UnfinishedOperation, $"expected a hang, got: {report}");
    }

    /// <summary>Returns whether the final unlock left the waiter queued on a free mutex (a deferred wake).</summary>
    private static async Task<bool> DeferredWakeProgram(bool mutant)
    {
        var mutex = new PinnedMutex<int>(0);
        RawMutex.s_mutantNoExitCheckFor = mutant ? mutex : null;
        try
        {
            var holder = await mutex.LockAsync();
            var waiter = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value++;
            });
            SpinUntil(() => mutex.WaiterCount == 1);

            var deferred = false;
            holder.Dispose(); // wakes the waiter to compete
            if (mutex.TryLock(out holder) && holder.Value == 0)
            {
                SpinUntil(() => mutex.WaiterCount == 1); // the waiter ran, lost, and queued again
                holder.Dispose(); // the last unlock: deferred, only the exit check wakes the waiter
                deferred = mutex.WaiterCount == 1 && !mutex.IsLocked;
            }
            else if (holder.Acquired)
            {
                holder.Dispose();
            }

            await waiter;
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && ReadValue(mutex) == 1, $"left behind: {mutex}");
            mutex.Dispose();
            return deferred;
        }
        finally
        {
            RawMutex.s_mutantNoExitCheckFor = null;
        }
    }

    private static int ReadValue(PinnedMutex<int> mutex)
    {
        using var guard = mutex.Lock();
        return guard.Value;
    }
}
