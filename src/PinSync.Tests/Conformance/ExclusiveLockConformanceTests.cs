namespace PinSync.Tests.Conformance;

/// <summary>
/// What every PinSync primitive that can serve as an exclusive lock promises (DESIGN §3), run against each of them
/// through a small adapter (model: dotnet/runtime <c>ChannelTestBase</c>). Subclasses supply
/// <see cref="CreateLock"/>; capability flags say where the primitives differ.
/// </summary>
public abstract class ExclusiveLockConformanceTests : TestBase
{
    /// <summary>An exclusive lock under test.</summary>
    protected interface ILockAdapter : IDisposable
    {
        void Acquire(CancellationToken cancellationToken = default);

        bool TryAcquire(TimeSpan timeout, CancellationToken cancellationToken = default);

        ValueTask AcquireAsync(CancellationToken cancellationToken = default);

        ValueTask<bool> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default);

        void Release();

        int WaiterCount { get; }

        bool IsHeld { get; }
    }

    /// <summary>Makes a free lock.</summary>
    protected abstract ILockAdapter CreateLock();

    /// <summary>Whether queued waiters are served strictly in arrival order (no barging).</summary>
    protected abstract bool IsStrictFifo { get; }

    [Fact]
    public async Task MixedSyncAndAsync_NonAtomicCounter_ExactTotal()
    {
        using var l = CreateLock();
        long counter = 0;
        const int PerWorker = 1_500;
        void Increment()
        {
            var v = counter;
            Thread.SpinWait(3);
            counter = v + 1;
        }

        var threads = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < PerWorker; i++)
            {
                l.Acquire();
                Increment();
                l.Release();
            }
        }, TaskCreationOptions.LongRunning));
        var tasks = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < PerWorker; i++)
            {
                await l.AcquireAsync();
                Increment();
                l.Release();
            }
        }));
        await WithTimeout(Task.WhenAll(threads.Concat(tasks)), TimeSpan.FromSeconds(120));
        Assert.Equal(5 * PerWorker, counter);
        Assert.False(l.IsHeld);
        Assert.Equal(0, l.WaiterCount);
    }

    [Fact]
    public async Task TimedWaits_WhileHeld_ReturnFalseAndLeaveNoWaiter()
    {
        using var l = CreateLock();
        await l.AcquireAsync(); // an async holder: a blocking one must not be held across the awaits below
        Assert.False(await WithTimeout(l.TryAcquireAsync(ExpectedTimeout).AsTask()));
        Assert.False(await Task.Factory.StartNew(() => l.TryAcquire(ExpectedTimeout), TaskCreationOptions.LongRunning));
        Assert.False(await l.TryAcquireAsync(TimeSpan.Zero));
        Assert.Equal(0, l.WaiterCount);
        Assert.True(l.IsHeld);
        l.Release();
    }

    [Fact]
    public async Task BadTimeouts_Throw_AndChangeNothing()
    {
        using var l = CreateLock();
        Assert.Throws<ArgumentOutOfRangeException>(() => l.TryAcquire(TimeSpan.FromMilliseconds(-2)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await l.TryAcquireAsync(TimeSpan.FromMilliseconds(-5)));
        Assert.False(l.IsHeld);
        Assert.True(l.TryAcquire(Timeout.InfiniteTimeSpan));
        l.Release();
    }

    [Fact]
    public async Task CanceledWhileQueued_SyncAndAsync_ThrowAndLeaveQueue()
    {
        using var l = CreateLock();
        using var cts = new CancellationTokenSource();
        l.Acquire();
        var asyncWait = l.AcquireAsync(cts.Token).AsTask();
        var syncWait = Task.Factory.StartNew(() => l.Acquire(cts.Token), TaskCreationOptions.LongRunning);
        await Sync.Mutex.PinnedMutexMisuseTests.WaitUntil(() => l.WaiterCount == 2);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(asyncWait));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(syncWait));
        Assert.Equal(0, l.WaiterCount);
        Assert.True(l.IsHeld);
        l.Release();
    }

    [Fact]
    public async Task Dispose_WithQueuedWaiters_FaultsEveryWaiter()
    {
        var l = CreateLock();
        l.Acquire();
        var waits = Enumerable.Range(0, 4).Select(i => i % 2 == 0
            ? l.AcquireAsync().AsTask()
            : Task.Factory.StartNew(() => l.Acquire(), TaskCreationOptions.LongRunning)).ToArray();
        await Sync.Mutex.PinnedMutexMisuseTests.WaitUntil(() => l.WaiterCount == 4);
        l.Dispose();
        foreach (var wait in waits)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(wait));
        }

        Assert.Equal(0, l.WaiterCount);
        Assert.ThrowsAny<ObjectDisposedException>(() => l.Acquire());
    }

    [Fact]
    public async Task QueuedAsyncWaiters_Released_AllServedAndFifoWhereStrict()
    {
        using var l = CreateLock();
        l.Acquire();
        var order = new List<int>();
        var waits = new Task[8];
        for (var i = 0; i < waits.Length; i++)
        {
            var id = i;
            var pending = l.AcquireAsync();
            waits[i] = Task.Run(async () =>
            {
                await pending;
                lock (order)
                {
                    order.Add(id);
                }

                l.Release();
            });
            await Sync.Mutex.PinnedMutexMisuseTests.WaitUntil(() => l.WaiterCount == id + 1);
        }

        l.Release();
        await WithTimeout(Task.WhenAll(waits));
        Assert.Equal(waits.Length, order.Count);
        Assert.Equal(Enumerable.Range(0, waits.Length), order.Order());
        if (IsStrictFifo)
        {
            Assert.Equal(Enumerable.Range(0, waits.Length), order);
        }

        Assert.False(l.IsHeld);
    }
}
