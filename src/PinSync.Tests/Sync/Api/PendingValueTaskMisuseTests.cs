using System.Diagnostics.CodeAnalysis;

namespace PinSync.Tests.Sync.Api;

/// <summary>
/// Reading the result of a wait's <see cref="ValueTask"/> before it completed (<c>.GetAwaiter().GetResult()</c> on a
/// pending wait: sync-over-async misuse) is a clear <see cref="InvalidOperationException"/> that changes nothing: the
/// waiter stays queued (its node linked; recycling it there would reuse a linked node) and the same ValueTask can
/// still be awaited, completing normally. One test per kind of async waiter.
/// </summary>
[SuppressMessage("Reliability", "CA2012:Use ValueTasks correctly", Justification = "Reading a pending ValueTask is the misuse under test.")]
[SuppressMessage("Usage", "PINSYNC012:Guard of a blocking lock is held across await", Justification = "The test body is the contending holder; it releases the mutex itself.")]
public sealed class PendingValueTaskMisuseTests : TestBase
{
    [Fact]
    public async Task MutexLockAsync_ResultReadWhilePending_ThrowsAndTheWaitGoesOn()
    {
        using var mutex = new PinnedMutex<int>(5);
        var holder = mutex.Lock();
        var pending = mutex.LockAsync();

        AssertPendingReadThrows(() => pending.GetAwaiter().GetResult());
        Assert.Equal(1, mutex.WaiterCount);

        holder.Dispose();
        using var guard = await pending.AsTask().WaitAsync(UnexpectedTimeout);
        Assert.True(guard.Acquired);
        Assert.Equal(5, guard.Value);
        Assert.Equal(0, mutex.WaiterCount);
    }

    [Fact]
    public async Task MutexTryLockAsync_ResultReadWhilePending_ThrowsAndTheWaitGoesOn()
    {
        using var mutex = new PinnedMutex<int>(0);
        var holder = mutex.Lock();
        var pending = mutex.TryLockAsync(UnexpectedTimeout);

        AssertPendingReadThrows(() => pending.GetAwaiter().GetResult());
        Assert.Equal(1, mutex.WaiterCount);

        holder.Dispose();
        using var guard = await pending.AsTask().WaitAsync(UnexpectedTimeout);
        Assert.True(guard.Acquired);
    }

    [Fact]
    public async Task SemaphoreWaitAsync_ResultReadWhilePending_ThrowsAndTheWaitGoesOn()
    {
        using var semaphore = new PinnedSemaphore(0, 1);
        var pending = semaphore.WaitAsync(UnexpectedTimeout);

        AssertPendingReadThrows(() => pending.GetAwaiter().GetResult());
        Assert.Equal(0, semaphore.CurrentCount);

        semaphore.Release();
        Assert.True(await pending.AsTask().WaitAsync(UnexpectedTimeout));
        Assert.Equal(0, semaphore.CurrentCount); // the one permit went to the wait that was read too early
    }

    [Fact]
    public async Task CondVarWaitAsync_ResultReadWhilePending_ThrowsAndTheWaitGoesOn()
    {
        using var mutex = new PinnedMutex<bool>(false);
        using var condVar = new PinSync.CondVar();
        using var guard = await mutex.LockAsync();
        var pending = condVar.WaitAsync(guard);

        AssertPendingReadThrows(() => pending.GetAwaiter().GetResult());
        Assert.Equal(1, condVar.WaiterCount);

        condVar.NotifyOne();
        await pending.AsTask().WaitAsync(UnexpectedTimeout);
        Assert.True(mutex.IsLocked); // the wait ended holding the mutex again, under the same guard
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WaitQueueWaitUntilAsync_ResultReadWhilePending_ThrowsAndTheWaitGoesOn(bool timed)
    {
        // The wait loop is a pooled async method whose BCL box would recycle itself on this read (and the loop then
        // resume on a cleared box): the queue's own source sits in front of it.
        using var queue = new PinSync.WaitQueue();
        var ready = false;
        var pending = timed
            ? queue.WaitUntilAsync(() => Volatile.Read(ref ready), UnexpectedTimeout).AsTaskAfter(out var read)
            : queue.WaitUntilAsync(() => Volatile.Read(ref ready)).AsTaskAfter(out read);

        AssertPendingReadThrows(read);
        Assert.Equal(1, queue.WaiterCount);

        Volatile.Write(ref ready, true);
        queue.NotifyAll();
        await pending.WaitAsync(UnexpectedTimeout);
        Assert.Equal(0, queue.WaiterCount);
    }

    private static void AssertPendingReadThrows(Action read)
    {
        var exception = Assert.Throws<InvalidOperationException>(read);
        Assert.Contains("has not completed", exception.Message, StringComparison.Ordinal);
    }
}

/// <summary>Reads a pending ValueTask's result early (the misuse), then hands out the same ValueTask as a Task.</summary>
internal static class PendingValueTaskExtensions
{
    [SuppressMessage("Reliability", "CA2012:Use ValueTasks correctly", Justification = "Reading a pending ValueTask is the misuse under test.")]
    public static Task AsTaskAfter(this ValueTask pending, out Action read)
    {
        read = () => pending.GetAwaiter().GetResult();
        return Deferred(pending);
        static async Task Deferred(ValueTask task)
        {
            await Task.Yield(); // the read happens first
            await task;
        }
    }

    [SuppressMessage("Reliability", "CA2012:Use ValueTasks correctly", Justification = "Reading a pending ValueTask is the misuse under test.")]
    public static Task AsTaskAfter(this ValueTask<bool> pending, out Action read)
    {
        read = () => pending.GetAwaiter().GetResult();
        return Deferred(pending);
        static async Task Deferred(ValueTask<bool> task)
        {
            await Task.Yield();
            Assert.True(await task);
        }
    }
}
