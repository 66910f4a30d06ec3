using PinSync.Scheduling;

namespace PinSync.Tests.Sync.Fairness;

/// <summary>
/// The arrival stamp of an async mutex or semaphore wait on real threads (production clock: the per-thread cache of
/// the handoff clock, see EnqueueStamp.cs). The starvation bound counts from it, so it must be set (0 would mean "never
/// starving" to the mutex and "always" to the semaphore), never after the arrival (the bound would come late), and
/// not earlier than the cache's lag allows (at most one kernel tick, 1–10 ms; the test allows a second so that a
/// stalled machine does not fail it, yet a stamp from another epoch does). Under the explorer the stamp is exact and the
/// handoff tests in virtual time cover it.
/// </summary>
public sealed class EnqueueStampTests
{
    private static readonly long Slack = TimeSpan.FromSeconds(1).Ticks;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Mutex_async_wait_is_stamped_at_its_arrival(bool cached) => WithStamp(cached, async () =>
    {
        using var mutex = new PinnedMutex<int>(0);
        var holder = mutex.Lock();
        var before = Seam.ProductionNowTicks();
        var pending = mutex.LockAsync();
        var after = Seam.ProductionNowTicks();
        Assert.False(pending.IsCompleted);
        var stamp = HeadStamp(mutex);
        holder.Dispose();
        (await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        AssertArrival(stamp, before, after);
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Semaphore_async_wait_is_stamped_at_its_arrival(bool cached) => WithStamp(cached, async () =>
    {
        using var semaphore = new PinnedSemaphore(0, 1);
        var before = Seam.ProductionNowTicks();
        var pending = semaphore.WaitAsync();
        var after = Seam.ProductionNowTicks();
        Assert.False(pending.IsCompleted);
        var stamp = HeadStamp(semaphore);
        semaphore.Release();
        await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        AssertArrival(stamp, before, after);
    });

    // The stamp's clock switch is process-wide: the other setting is as valid for concurrent tests.
    private static async Task WithStamp(bool cached, Func<Task> body)
    {
        EnqueueStamp.s_cached = cached;
        try
        {
            await body();
        }
        finally
        {
            EnqueueStamp.s_cached = true;
        }
    }

    private static void AssertArrival(long stamp, long before, long after)
    {
        Assert.NotEqual(0, stamp);
        Assert.True(stamp <= after, $"stamped {stamp - after} ticks after the arrival");
        Assert.True(stamp >= before - Slack, $"stamped {before - stamp} ticks before the arrival");
    }

    private static unsafe long HeadStamp<T>(PinnedMutex<T> mutex) => RawMutex.HeadEnqueuedAt(mutex.Raw);

    private static unsafe long HeadStamp(PinnedSemaphore semaphore) => RawSemaphore.HeadEnqueuedAt(semaphore.Raw);
}
