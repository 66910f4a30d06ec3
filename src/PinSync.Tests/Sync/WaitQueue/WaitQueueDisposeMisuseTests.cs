using PinSync.Pinning;
using static PinSync.Tests.Sync.WaitQueue.WaitQueueTestKit;
using Form = PinSync.Tests.Sync.WaitQueue.WaitQueueTimeoutCancellationTests.Form;

namespace PinSync.Tests.Sync.WaitQueue;

public sealed class WaitQueueDisposeMisuseTests : TestBase
{
    [Fact]
    public async Task Dispose_QueuedSyncAndAsyncWaiters_ThrowObjectDisposed()
    {
        var wq = new PinSync.WaitQueue();
        Func<bool> condition = () => false;
        var waiters = new[]
        {
            WaitQueueTimeoutCancellationTests.WaitUntimed(wq, Form.Sync, condition, TestTimeoutToken),
            WaitQueueTimeoutCancellationTests.WaitTimed(wq, Form.SyncExclusive, condition, UnexpectedTimeout, TestTimeoutToken),
            WaitQueueTimeoutCancellationTests.WaitUntimed(wq, Form.Async, condition, TestTimeoutToken),
            WaitQueueTimeoutCancellationTests.WaitTimed(wq, Form.AsyncExclusive, condition, UnexpectedTimeout, TestTimeoutToken),
        };
        SpinUntil(() => wq.WaiterCount == waiters.Length, "all waiters queued");

        wq.Dispose();

        foreach (var waiter in waiters)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(waiter));
        }

        Assert.Equal(0, wq.WaiterCount);
    }

    [Fact]
    public async Task Dispose_ThenEveryMember_ThrowsObjectDisposed()
    {
        var wq = new PinSync.WaitQueue();
        wq.Dispose();
        wq.Dispose(); // Idempotent.
        Func<bool> condition = () => true;

        Assert.Throws<ObjectDisposedException>(() => wq.WaitUntil(condition));
        Assert.Throws<ObjectDisposedException>(() => wq.WaitUntil(condition, TimeSpan.Zero));
        Assert.Throws<ObjectDisposedException>(() => wq.WaitUntilExclusive(condition));
        Assert.Throws<ObjectDisposedException>(() => wq.WaitUntilExclusive(condition, UnexpectedTimeout));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wq.WaitUntilAsync(condition).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wq.WaitUntilAsync(condition, UnexpectedTimeout).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wq.WaitUntilExclusiveAsync(condition).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wq.WaitUntilExclusiveAsync(condition, TimeSpan.Zero).AsTask());
        Assert.Throws<ObjectDisposedException>(() => wq.WakeOne());
        Assert.Throws<ObjectDisposedException>(() => wq.WakeAll());
        Assert.Equal(0, wq.WaiterCount);
    }

    [Fact]
    public async Task WaitUntil_NullCondition_ThrowsArgumentNull()
    {
        using var wq = new PinSync.WaitQueue();

        Assert.Throws<ArgumentNullException>("condition", () => wq.WaitUntil(null!));
        Assert.Throws<ArgumentNullException>("condition", () => wq.WaitUntil(null!, UnexpectedTimeout));
        Assert.Throws<ArgumentNullException>("condition", () => wq.WaitUntilExclusive(null!));
        Assert.Throws<ArgumentNullException>("condition", () => wq.WaitUntilExclusive(null!, UnexpectedTimeout));
        await Assert.ThrowsAsync<ArgumentNullException>("condition", () => wq.WaitUntilAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>("condition", () => wq.WaitUntilAsync(null!, UnexpectedTimeout).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>("condition", () => wq.WaitUntilExclusiveAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>("condition", () => wq.WaitUntilExclusiveAsync(null!, UnexpectedTimeout).AsTask());
        Assert.Equal(0, wq.WaiterCount);
    }

    public static TheoryData<TimeSpan> BadTimeouts => new()
    {
        TimeSpan.FromMilliseconds(-2),
        TimeSpan.FromMilliseconds((double)int.MaxValue + 1),
        TimeSpan.MinValue,
    };

    [Theory]
    [MemberData(nameof(BadTimeouts))]
    public async Task WaitUntil_BadTimeout_ThrowsArgumentOutOfRange(TimeSpan timeout)
    {
        using var wq = new PinSync.WaitQueue();
        Func<bool> condition = () => true;

        Assert.Throws<ArgumentOutOfRangeException>(nameof(timeout), () => wq.WaitUntil(condition, timeout));
        Assert.Throws<ArgumentOutOfRangeException>(nameof(timeout), () => wq.WaitUntilExclusive(condition, timeout));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(nameof(timeout), () => wq.WaitUntilAsync(condition, timeout).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(nameof(timeout), () => wq.WaitUntilExclusiveAsync(condition, timeout).AsTask());
    }

    [Fact]
    public void WaitUntil_InfiniteTimeoutConditionTrue_Returns()
    {
        using var wq = new PinSync.WaitQueue();
        Assert.True(wq.WaitUntil(() => true, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public async Task RawDispose_QueuedWaitersAndLaterCalls_ThrowObjectDisposed()
    {
        using var box = PinBox<RawWaitQueue>.Create(RawWaitQueue.Init());
        var queue = RawQueue.Address(box);
        Func<bool> condition = () => false;
        var sync = StartThread(() => RawQueue.WaitUntil(queue, condition, TestTimeoutToken));
        var pending = RawQueue.WaitUntilExclusiveAsync(queue, condition, TestTimeoutToken).AsTask();
        SpinUntil(() => box.Value.WaiterCount == 2, "raw waiters queued");

        RawQueue.Dispose(queue);
        RawQueue.Dispose(queue);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(sync));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(pending));
        Assert.Throws<ObjectDisposedException>(() => RawQueue.WakeOne(queue));
        Assert.Throws<ObjectDisposedException>(() => RawQueue.WaitUntil(queue, () => true, TimeSpan.Zero));
        Assert.Equal(0, box.Value.WaiterCount);
    }
}
