using PinSync.Pinning;
using static PinSync.Tests.Sync.WaitQueue.WaitQueueTestKit;

namespace PinSync.Tests.Sync.WaitQueue;

public sealed class WaitQueueBasicTests : TestBase
{
    [Fact]
    public async Task WaitUntil_ConditionAlreadyTrue_ReturnsWithoutQueuing()
    {
        using var wq = new PinSync.WaitQueue();
        var evaluations = 0;
        Func<bool> condition = () =>
        {
            evaluations++;
            return true;
        };

        wq.WaitUntil(condition, TestTimeoutToken);
        Assert.True(wq.WaitUntil(condition, UnexpectedTimeout, TestTimeoutToken));
        wq.WaitUntilExclusive(condition, TestTimeoutToken);
        Assert.True(wq.WaitUntilExclusive(condition, TimeSpan.Zero, TestTimeoutToken));

        var plain = wq.WaitUntilAsync(condition, TestTimeoutToken);
        Assert.True(plain.IsCompletedSuccessfully);
        await plain;
        var timed = wq.WaitUntilAsync(condition, UnexpectedTimeout, TestTimeoutToken);
        Assert.True(timed.IsCompletedSuccessfully);
        Assert.True(await timed);
        var exclusive = wq.WaitUntilExclusiveAsync(condition, TestTimeoutToken);
        Assert.True(exclusive.IsCompletedSuccessfully);
        await exclusive;
        Assert.True(await wq.WaitUntilExclusiveAsync(condition, TimeSpan.Zero, TestTimeoutToken));

        Assert.Equal(8, evaluations); // One evaluation each: the fast path, no node.
        Assert.Equal(0, wq.WaiterCount);
        Assert.Equal(0, wq.WakeAll());
    }

    [Fact]
    public async Task WakeAll_FlagSet_ReleasesAllSyncAndAsyncWaiters()
    {
        using var wq = new PinSync.WaitQueue();
        var flag = new Flag();
        Func<bool> condition = () => flag.IsSet;
        var released = 0;
        var threads = new[]
        {
            StartThread(() => { wq.WaitUntil(condition, TestTimeoutToken); Interlocked.Increment(ref released); }),
            StartThread(() => { Assert.True(wq.WaitUntil(condition, UnexpectedTimeout, TestTimeoutToken)); Interlocked.Increment(ref released); }),
            StartThread(() => { wq.WaitUntilExclusive(condition, TestTimeoutToken); Interlocked.Increment(ref released); }),
            StartThread(() => { Assert.True(wq.WaitUntilExclusive(condition, UnexpectedTimeout, TestTimeoutToken)); Interlocked.Increment(ref released); }),
        };
        var tasks = new[]
        {
            wq.WaitUntilAsync(condition, TestTimeoutToken).AsTask(),
            wq.WaitUntilAsync(condition, UnexpectedTimeout, TestTimeoutToken).AsTask(),
            wq.WaitUntilExclusiveAsync(condition, TestTimeoutToken).AsTask(),
            wq.WaitUntilExclusiveAsync(condition, UnexpectedTimeout, TestTimeoutToken).AsTask(),
        };
        SpinUntil(() => wq.WaiterCount == 8, "eight queued waiters");

        flag.Set();
        Assert.Equal(8, wq.WakeAll());

        await WithTimeout(Task.WhenAll(threads));
        await WithTimeout(Task.WhenAll(tasks));
        Assert.Equal(4, released);
        Assert.Equal(0, wq.WaiterCount);
    }

    [Fact]
    public async Task WakeAll_ConditionStillFalse_WaitersSleepAgain()
    {
        using var wq = new PinSync.WaitQueue();
        var flag = new Flag();
        var evaluations = 0;
        Func<bool> condition = () =>
        {
            Interlocked.Increment(ref evaluations);
            return flag.IsSet;
        };
        var released = 0;
        var thread = StartThread(() => { wq.WaitUntil(condition, TestTimeoutToken); Interlocked.Increment(ref released); });
        var task = wq.WaitUntilExclusiveAsync(condition, TestTimeoutToken).AsTask();
        SpinUntil(() => wq.WaiterCount == 2, "two queued waiters");
        var before = Volatile.Read(ref evaluations);

        Assert.Equal(2, wq.WakeAll());

        // Each woken waiter re-checks (false) without a node, re-queues and re-checks once more before sleeping.
        SpinUntil(() => Volatile.Read(ref evaluations) == before + 4 && wq.WaiterCount == 2, "both waiters back asleep");
        Assert.Equal(0, Volatile.Read(ref released));
        Assert.False(task.IsCompleted);

        flag.Set();
        Assert.Equal(2, wq.WakeAll());
        await WithTimeout(thread);
        await WithTimeout(task);
        Assert.Equal(0, wq.WaiterCount);
    }

    [Fact]
    public void Wake_NoWaiters_ReturnsZeroAndIsNotStored()
    {
        using var wq = new PinSync.WaitQueue();

        Assert.Equal(0, wq.WakeOne());
        Assert.Equal(0, wq.WakeAll());

        // A wake nobody waited for is not remembered: the next waiter still waits (and here times out).
        Assert.False(wq.WaitUntil(() => false, ExpectedTimeout, TestTimeoutToken));
        Assert.Equal(0, wq.WaiterCount);
    }

    [Fact]
    public async Task RawWaitQueue_InPinBox_WaitsAndWakes()
    {
        using var box = PinBox<RawWaitQueue>.Create(RawWaitQueue.Init());
        var queue = RawQueue.Address(box);
        var flag = new Flag();
        Func<bool> condition = () => flag.IsSet;
        var pending = RawQueue.WaitUntilAsync(queue, condition, TestTimeoutToken).AsTask();
        var timed = RawQueue.WaitUntilExclusiveAsync(queue, condition, UnexpectedTimeout, TestTimeoutToken).AsTask();
        var thread = StartThread(() => RawQueue.WaitUntilExclusive(queue, condition, TestTimeoutToken));
        SpinUntil(() => box.Value.WaiterCount == 3, "three queued raw waiters");

        flag.Set();
        Assert.Equal(3, RawQueue.WakeAll(queue));

        await WithTimeout(pending);
        Assert.True(await WithTimeout(timed));
        await WithTimeout(thread);
        Assert.True(RawQueue.WaitUntil(queue, condition, TimeSpan.Zero));
        Assert.Equal(0, box.Value.WaiterCount);
        RawQueue.Dispose(queue);
    }
}
