using System.Collections.Concurrent;
using static PinSync.Tests.Sync.WaitQueue.WaitQueueTestKit;

namespace PinSync.Tests.Sync.WaitQueue;

public sealed class WaitQueueExclusiveTests : TestBase
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WakeOne_ExclusiveWaitersConditionTrue_ReleasesExactlyOnePerCall(bool async)
    {
        const int Waiters = 4;
        using var wq = new PinSync.WaitQueue();
        var flag = new Flag();
        Func<bool> condition = () => flag.IsSet;
        var released = 0;
        var waiters = Enumerable.Range(0, Waiters).Select(_ => async
            ? ReleaseAsync(wq.WaitUntilExclusiveAsync(condition, TestTimeoutToken))
            : StartThread(() => { wq.WaitUntilExclusive(condition, TestTimeoutToken); Interlocked.Increment(ref released); })).ToArray();
        SpinUntil(() => wq.WaiterCount == Waiters, "all exclusive waiters queued");

        // True now, but sleepers do not look again until woken: each WakeOne lets exactly one through.
        flag.Set();
        for (var i = 1; i <= Waiters; i++)
        {
            Assert.Equal(1, wq.WakeOne());
            Assert.Equal(Waiters - i, wq.WaiterCount);
            SpinUntil(() => Volatile.Read(ref released) >= i, $"waiter {i} released");
            Assert.Equal(i, Volatile.Read(ref released));
        }

        Assert.Equal(0, wq.WakeOne());
        await WithTimeout(Task.WhenAll(waiters));

        async Task ReleaseAsync(ValueTask wait)
        {
            await wait;
            Interlocked.Increment(ref released);
        }
    }

    [Fact]
    public async Task WakeOne_ExclusiveWaiters_WakesInArrivalOrder()
    {
        const int Waiters = 6;
        using var wq = new PinSync.WaitQueue();
        var flag = new Flag();
        Func<bool> condition = () => flag.IsSet;
        var order = new ConcurrentQueue<int>();
        var waiters = new List<Task>();
        for (var i = 0; i < Waiters; i++)
        {
            var id = i;
            waiters.Add(id % 2 == 0
                ? StartThread(() => { wq.WaitUntilExclusive(condition, TestTimeoutToken); order.Enqueue(id); })
                : Record(wq.WaitUntilExclusiveAsync(condition, UnexpectedTimeout, TestTimeoutToken), id));
            SpinUntil(() => wq.WaiterCount == id + 1, $"waiter {id} queued");
        }

        flag.Set();
        for (var i = 0; i < Waiters; i++)
        {
            Assert.Equal(1, wq.WakeOne());
            SpinUntil(() => order.Count == i + 1, $"wake {i} consumed");
        }

        await WithTimeout(Task.WhenAll(waiters));
        Assert.Equal(Enumerable.Range(0, Waiters), order);

        async Task Record(ValueTask<bool> wait, int id)
        {
            Assert.True(await wait);
            order.Enqueue(id);
        }
    }

    [Fact]
    public async Task WakeOne_MixedWaiters_WakesEveryNonExclusiveAndOneExclusive()
    {
        using var wq = new PinSync.WaitQueue();
        var flag = new Flag();
        Func<bool> condition = () => flag.IsSet;
        var shared = new[]
        {
            StartThread(() => wq.WaitUntil(condition, TestTimeoutToken)),
            wq.WaitUntilAsync(condition, TestTimeoutToken).AsTask(),
            wq.WaitUntilAsync(condition, UnexpectedTimeout, TestTimeoutToken).AsTask(),
        };
        SpinUntil(() => wq.WaiterCount == 3, "non-exclusive waiters queued");
        var exclusive = new[]
        {
            StartThread(() => wq.WaitUntilExclusive(condition, TestTimeoutToken)),
            wq.WaitUntilExclusiveAsync(condition, TestTimeoutToken).AsTask(),
            StartThread(() => wq.WaitUntilExclusive(condition, TestTimeoutToken)),
        };
        SpinUntil(() => wq.WaiterCount == 6, "exclusive waiters queued");

        flag.Set();
        Assert.Equal(4, wq.WakeOne()); // Three non-exclusive + the first exclusive.
        Assert.Equal(2, wq.WaiterCount);
        await WithTimeout(Task.WhenAll(shared));
        SpinUntil(() => exclusive.Count(t => t.IsCompleted) == 1, "one exclusive waiter released");

        Assert.Equal(2, wq.WakeAll());
        await WithTimeout(Task.WhenAll(exclusive));
        Assert.Equal(0, wq.WaiterCount);
    }

    [Fact]
    public async Task WakeOne_ConditionConsumesTokens_EachTokenReleasesOneWaiterOthersStayQueued()
    {
        const int Waiters = 6;
        using var wq = new PinSync.WaitQueue();
        var tokens = 0;
        Func<bool> take = () => TryTake(ref tokens);
        var released = 0;
        var waiters = Enumerable.Range(0, Waiters).Select(i => i % 2 == 0
            ? StartThread(() => { wq.WaitUntilExclusive(take, TestTimeoutToken); Interlocked.Increment(ref released); })
            : Task.Run(async () => { await wq.WaitUntilExclusiveAsync(take, TestTimeoutToken); Interlocked.Increment(ref released); })).ToArray();
        SpinUntil(() => wq.WaiterCount == Waiters, "all exclusive waiters queued");

        for (var t = 1; t <= Waiters; t++)
        {
            Interlocked.Increment(ref tokens);
            Assert.Equal(1, wq.WakeOne());
            SpinUntil(() => Volatile.Read(ref released) == t, $"token {t} consumed");
            SpinUntil(() => wq.WaiterCount == Waiters - t, "the others still queued");
            Assert.Equal(0, Volatile.Read(ref tokens));
        }

        await WithTimeout(Task.WhenAll(waiters));
    }

    [Fact]
    public async Task WakeOne_WokenExclusiveConditionFalse_RequeuesAtHeadKeepingItsPlace()
    {
        using var wq = new PinSync.WaitQueue();
        var first = new Flag();
        var second = new Flag();
        int firstEvaluations = 0, secondEvaluations = 0;
        Func<bool> firstCondition = () => { Interlocked.Increment(ref firstEvaluations); return first.IsSet; };
        Func<bool> secondCondition = () => { Interlocked.Increment(ref secondEvaluations); return second.IsSet; };
        var firstWaiter = StartThread(() => wq.WaitUntilExclusive(firstCondition, TestTimeoutToken));
        SpinUntil(() => wq.WaiterCount == 1, "first waiter queued");
        var secondWaiter = wq.WaitUntilExclusiveAsync(secondCondition, TestTimeoutToken).AsTask();
        SpinUntil(() => wq.WaiterCount == 2, "second waiter queued");
        Assert.Equal(2, Volatile.Read(ref firstEvaluations)); // Fast path + re-check after linking.
        Assert.Equal(2, Volatile.Read(ref secondEvaluations));

        // The first waiter is woken, finds its condition false, and goes back to the head.
        Assert.Equal(1, wq.WakeOne());
        SpinUntil(() => Volatile.Read(ref firstEvaluations) == 4 && wq.WaiterCount == 2, "first waiter re-queued");

        // So the next WakeOne goes to it again, not to the second waiter, even though only the second could proceed.
        second.Set();
        Assert.Equal(1, wq.WakeOne());
        SpinUntil(() => Volatile.Read(ref firstEvaluations) == 6 && wq.WaiterCount == 2, "first waiter woken again");
        Assert.Equal(2, Volatile.Read(ref secondEvaluations));
        Assert.False(secondWaiter.IsCompleted);

        Assert.Equal(2, wq.WakeAll());
        await WithTimeout(secondWaiter);
        SpinUntil(() => Volatile.Read(ref firstEvaluations) == 8 && wq.WaiterCount == 1, "first waiter asleep again");
        first.Set();
        Assert.Equal(1, wq.WakeAll());
        await WithTimeout(firstWaiter);
        Assert.Equal(0, wq.WaiterCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WakeOne_WokenExclusiveConditionThrows_PassesWakeupToNextExclusive(bool async)
    {
        using var wq = new PinSync.WaitQueue();
        var armed = new Flag();
        var flag = new Flag();
        Func<bool> throwing = () => armed.IsSet ? throw new InvalidOperationException("condition failed") : false;
        Func<bool> condition = () => flag.IsSet;
        var failing = async
            ? wq.WaitUntilExclusiveAsync(throwing, TestTimeoutToken).AsTask()
            : StartThread(() => wq.WaitUntilExclusive(throwing, TestTimeoutToken));
        SpinUntil(() => wq.WaiterCount == 1, "throwing waiter queued");
        var next = async
            ? StartThread(() => wq.WaitUntilExclusive(condition, TestTimeoutToken))
            : wq.WaitUntilExclusiveAsync(condition, TestTimeoutToken).AsTask();
        SpinUntil(() => wq.WaiterCount == 2, "second waiter queued");

        armed.Set();
        flag.Set();
        Assert.Equal(1, wq.WakeOne());

        await Assert.ThrowsAsync<InvalidOperationException>(() => WithTimeout(failing));
        await WithTimeout(next); // Woken by the wakeup the first waiter passed on.
        Assert.Equal(0, wq.WaiterCount);
    }
}
