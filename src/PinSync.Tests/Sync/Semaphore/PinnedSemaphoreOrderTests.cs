using System.Collections.Concurrent;
using static PinSync.Tests.Sync.Semaphore.SemaphoreTestHelpers;

namespace PinSync.Tests.Sync.Semaphore;

public sealed class PinnedSemaphoreOrderTests : TestBase
{
    [Fact]
    public async Task WaitAsync_QueuedWaiters_CompleteInArrivalOrder()
    {
        const int N = 64;
        using var s = new PinnedSemaphore(0, N);
        var order = new ConcurrentQueue<int>();
        var waiters = new Task[N];
        for (var i = 0; i < N; i++)
        {
            var index = i;
            var pending = s.WaitAsync(TestTimeoutToken);
            waiters[i] = Continue(pending, () => order.Enqueue(index));
        }

        Assert.Equal(N, s.WaiterCount);
        for (var k = 0; k < N; k++)
        {
            Assert.Equal(0, s.Release());
            await WithTimeout(waiters[k]); // exactly the k-th waiter got the one permit
            Assert.Equal(k + 1, order.Count);
            Assert.Equal(N - k - 1, s.WaiterCount);
        }

        Assert.Equal(Enumerable.Range(0, N), order);
        Assert.Equal(0, s.CurrentCount);
    }

    [Fact]
    public async Task Wait_MixedSyncAndAsyncWaiters_ServedInArrivalOrder()
    {
        const int N = 16;
        using var s = new PinnedSemaphore(0, N);
        var order = new ConcurrentQueue<int>();
        var done = new Task[N];
        var threads = new List<Thread>();
        for (var i = 0; i < N; i++)
        {
            var index = i;
            if (i % 2 == 0)
            {
                var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                done[i] = completion.Task;
                threads.Add(StartThread($"semaphore-fifo-{i}", () =>
                {
                    try
                    {
                        Assert.True(s.Wait(UnexpectedTimeout, TestTimeoutToken), "hang guard");
                        order.Enqueue(index);
                        completion.SetResult();
                    }
                    catch (Exception e)
                    {
                        completion.SetException(e);
                    }
                }));
            }
            else
            {
                var pending = s.WaitAsync(UnexpectedTimeout, TestTimeoutToken);
                done[i] = ContinueTimed(pending, () => order.Enqueue(index));
            }

            WaitForWaiters(s, i + 1); // queue strictly one after the other
        }

        for (var k = 0; k < N; k++)
        {
            s.Release();
            await WithTimeout(done[k]);
            Assert.Equal(k + 1, order.Count);
        }

        threads.ForEach(t => JoinOrFail(t));
        Assert.Equal(Enumerable.Range(0, N), order);
        Assert.Equal(0, s.WaiterCount);
        Assert.Equal(0, s.CurrentCount);
    }

    [Fact]
    public async Task Release_ManyAtOnce_GrantsOldestWaitersAcrossBatches()
    {
        const int N = 50; // more than one wake batch
        const int Granted = 37;
        using var s = new PinnedSemaphore(0, 100);
        var waiters = Enumerable.Range(0, N).Select(_ => s.WaitAsync(TestTimeoutToken).AsTask()).ToArray();
        Assert.Equal(N, s.WaiterCount);

        Assert.Equal(0, s.Release(Granted));

        await WithTimeout(Task.WhenAll(waiters.Take(Granted)));
        Assert.All(waiters.Skip(Granted), t => Assert.False(t.IsCompleted));
        Assert.Equal(N - Granted, s.WaiterCount);
        Assert.Equal(0, s.CurrentCount);

        Assert.Equal(0, s.Release(N - Granted + 5)); // serves the rest, 5 left over
        await WithTimeout(Task.WhenAll(waiters));
        Assert.Equal(0, s.WaiterCount);
        Assert.Equal(5, s.CurrentCount);
    }

    [Fact]
    public async Task Release_WithQueuedWaiter_NewcomerMayBarge_QueuedWaiterStillServedAndPermitsConserved()
    {
        using var s = new PinnedSemaphore(0, 1);
        var queued = s.WaitAsync(TestTimeoutToken).AsTask();

        Assert.Equal(0, s.Release()); // wakes the queued waiter; the permit is in the count until someone takes it

        // A newcomer may take it first (barging); the woken waiter then re-queues at the head and gets the next one.
        var barged = s.TryWait();
        if (barged)
        {
            Assert.False(queued.IsCompleted);
            Assert.Equal(0, s.Release());
        }

        await WithTimeout(queued);
        Assert.Equal(0, s.CurrentCount);
        Assert.Equal(0, s.WaiterCount);
        Assert.False(s.TryWait());
        Assert.Equal(0, s.Release());
        Assert.Equal(1, s.CurrentCount);
    }

    [Fact]
    public async Task WaitAsync_NewcomerWithNoFreePermit_QueuesBehindWaitersAndIsServedLast()
    {
        using var s = new PinnedSemaphore(0, 4);
        var first = s.WaitAsync(TestTimeoutToken).AsTask();
        var second = s.WaitAsync(TestTimeoutToken).AsTask();
        var late = s.WaitAsync(TestTimeoutToken).AsTask(); // no permit free: it queues behind the two
        Assert.Equal(3, s.WaiterCount);
        s.Release();
        await WithTimeout(first); // the head is woken first, and nobody else competes
        Assert.False(second.IsCompleted);
        Assert.False(late.IsCompleted);
        s.Release();
        await WithTimeout(second);
        Assert.False(late.IsCompleted);
        s.Release();
        await WithTimeout(late);
        Assert.Equal(0, s.CurrentCount);
    }

    [Fact]
    public async Task Release_ContinuationOfGrantedWaiter_NeverRunsInline()
    {
        using var s = new PinnedSemaphore(0, 1);
        var releasingThread = 0;
        var ranInline = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiter = Task.Run(async () =>
        {
            await s.WaitAsync(TestTimeoutToken);
            ranInline.SetResult(Volatile.Read(ref releasingThread) == Environment.CurrentManagedThreadId);
        });
        WaitForWaiters(s, 1);

        var releaser = StartThread("semaphore-releaser", () =>
        {
            Volatile.Write(ref releasingThread, Environment.CurrentManagedThreadId);
            s.Release(); // an inline continuation would run here, on this thread, before Release returns
            Volatile.Write(ref releasingThread, 0);
        });

        Assert.False(await WithTimeout(ranInline.Task));
        await WithTimeout(waiter);
        JoinOrFail(releaser);
    }

    private static async Task Continue(ValueTask pending, Action after)
    {
        await pending.ConfigureAwait(false);
        after();
    }

    private static async Task ContinueTimed(ValueTask<bool> pending, Action after)
    {
        Assert.True(await pending.ConfigureAwait(false), "hang guard");
        after();
    }
}
