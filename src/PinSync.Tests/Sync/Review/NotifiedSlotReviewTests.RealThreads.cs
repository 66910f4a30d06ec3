namespace PinSync.Tests.Sync.Review;

/// <summary>The notified slot's review on real threads: snapshots while the slot is full, and a ping-pong through the
/// slot with lockers of both kinds (exact counts, a hang guard; no wall-clock assertion).</summary>
public sealed partial class NotifiedSlotReviewTests
{
    /// <summary>Snapshots with the slot full: IsLocked, WaiterCount counts the slot's waiter (and a locker that queues
    /// after it), and the mutex's ToString agrees.</summary>
    [Fact]
    public async Task Slot_Snapshots_CountTheSlotsWaiter()
    {
        var mutex = new PinnedMutex<int>(0);
        using var condVar = new PinSync.CondVar();
        var go = false;
        var waiter = Task.Run(async () =>
        {
            using var guard = await mutex.LockAsync();
            while (!Volatile.Read(ref go))
            {
                await condVar.WaitAsync(guard);
            }
        });
        await WaitUntil(() => condVar.WaiterCount == 1);

        var holder = await mutex.LockAsync();
        Volatile.Write(ref go, true);
        condVar.NotifyOne();
        Assert.True(RawMutexProbe.InSlot(mutex), $"the notified waiter is not in the slot: {mutex}");
        Assert.True(mutex.IsLocked);
        Assert.Equal(1, mutex.WaiterCount);
        var locker = mutex.LockAsync();
        Assert.False(locker.IsCompleted);
        Assert.Equal(2, mutex.WaiterCount);
        Assert.Contains("Waiters = 2", mutex.ToString(), StringComparison.Ordinal);
        holder.Dispose();
        await waiter.WaitAsync(TimeSpan.FromSeconds(30));
        (await locker.AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        Assert.False(mutex.IsLocked);
        Assert.Equal(0, mutex.WaiterCount);
        mutex.Dispose();
    }

    /// <summary>
    /// Real threads: two async sides hand turns back and forth through the slot (one with a timed wait), a blocking
    /// thread and an async task lock in a loop meanwhile. No turn is lost (the run finishes within the timeout) and
    /// every increment is counted.
    /// </summary>
    [Fact]
    public async Task Slot_RealThreads_PingPongWithLockers_ExactCounts()
    {
        const int Turns = 1_000;
        const int LockerRounds = 2_000;
        var mutex = new PinnedMutex<long>(0);
        using var condVar = new PinSync.CondVar();
        var turn = 0;

        Task Side(int mine, bool timed) => Task.Run(async () =>
        {
            for (var i = 0; i < Turns; i++)
            {
                using var guard = await mutex.LockAsync();
                while (turn % 2 != mine)
                {
                    if (timed)
                    {
                        _ = await condVar.WaitAsync(guard, TimeSpan.FromMilliseconds(1));
                    }
                    else
                    {
                        await condVar.WaitAsync(guard);
                    }
                }

                turn++;
                guard.Value++;
                condVar.NotifyOne();
            }
        });

        var a = Side(0, timed: false);
        var b = Side(1, timed: true);
        var blocking = Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < LockerRounds; i++)
            {
                using var guard = mutex.Lock();
                guard.Value += 1_000_000;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var asyncLocker = Task.Run(async () =>
        {
            for (var i = 0; i < LockerRounds; i++)
            {
                using var guard = await mutex.LockAsync();
                guard.Value += 1_000_000;
            }
        });

        await Task.WhenAll(a, b, blocking, asyncLocker).WaitAsync(TimeSpan.FromSeconds(60));
        using (var check = mutex.Lock())
        {
            Assert.Equal((2L * Turns) + (2L * LockerRounds * 1_000_000), check.Value);
        }

        Assert.Equal(0, mutex.WaiterCount);
        mutex.Dispose();
    }
}
