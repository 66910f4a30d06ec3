namespace PinSync.Tests.Sync.Mutex;

/// <summary>The kernel's handoff rule: a waiter pays at most one futile wakeup.</summary>
[Collection(AllocationCollection.Name)]
public sealed class PinnedMutexHandoffTests : TestBase
{
    [Fact]
    public async Task Unlock_WaiterThatLostItsWakeup_IsHandedTheLockNext()
    {
        // Only the lost-wakeup rule may hand over here, not the time bound: raise it (process-wide, hence this
        // class runs outside the parallel tests) and restore it.
        var threshold = RawMutex.StarvationThreshold;
        RawMutex.StarvationThreshold = TimeSpan.FromMinutes(5);
        try
        {
            await Run();
        }
        finally
        {
            RawMutex.StarvationThreshold = threshold;
        }
    }

    private static async Task Run()
    {
        using var m = new PinnedMutex<int>(0);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var letGo = new SemaphoreSlim(0);
            var holder = await m.LockAsync();
            var waiter = Task.Run(async () =>
            {
                using var g = await m.LockAsync();
                g.Value++;
                await letGo.WaitAsync();
            });
            await PinnedMutexMisuseTests.WaitUntil(() => m.WaiterCount == 1);

            holder.Dispose();                 // wakes the waiter to compete ...
            if (!m.TryLock(out var barger))   // ... and we barge in before its completion runs
            {
                letGo.Release();              // the waiter won this time: try again
                await WithTimeout(waiter);
                continue;
            }

            // The waiter lost its wakeup and re-queued: the next unlock must hand the lock to it, not leave it free.
            await PinnedMutexMisuseTests.WaitUntil(() => m.WaiterCount == 1);
            barger.Dispose();
            Assert.False(m.TryLock(out var stolen), "The unlock left the lock free for a barger instead of handing it over.");
            stolen.Dispose();
            letGo.Release();
            await WithTimeout(waiter);
            return;
        }

        Assert.Fail("Could not barge ahead of the woken waiter in 50 attempts.");
    }
}
