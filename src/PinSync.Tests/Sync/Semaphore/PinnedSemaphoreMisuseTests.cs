using static PinSync.Tests.Sync.Semaphore.SemaphoreTestHelpers;

namespace PinSync.Tests.Sync.Semaphore;

public sealed class PinnedSemaphoreMisuseTests : TestBase
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, -1)]
    [InlineData(0, int.MinValue)]
    public void Ctor_MaxCountNotPositive_ThrowsArgumentOutOfRange(int initialCount, int maxCount)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PinnedSemaphore(initialCount, maxCount));
        Assert.Equal("maxCount", e.ParamName);
    }

    [Theory]
    [InlineData(-1, 4)]
    [InlineData(5, 4)]
    [InlineData(int.MinValue, int.MaxValue)]
    public void Ctor_InitialCountOutOfRange_ThrowsArgumentOutOfRange(int initialCount, int maxCount)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PinnedSemaphore(initialCount, maxCount));
        Assert.Equal("initialCount", e.ParamName);
    }

    [Fact]
    public void Ctor_NegativeInitialCountWithoutMax_ThrowsArgumentOutOfRange() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PinnedSemaphore(-1));

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 4)]
    [InlineData(int.MaxValue, int.MaxValue)]
    public void Ctor_ValidCounts_ReportsCounts(int initialCount, int maxCount)
    {
        using var s = new PinnedSemaphore(initialCount, maxCount);
        Assert.Equal(initialCount, s.CurrentCount);
        Assert.Equal(maxCount, s.MaxCount);
        Assert.Equal(0, s.WaiterCount);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void Wait_NegativeMillisecondsOtherThanInfinite_ThrowsArgumentOutOfRange(int milliseconds)
    {
        using var s = new PinnedSemaphore(1, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Wait(milliseconds));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = s.WaitAsync(milliseconds); });
        Assert.Equal(1, s.CurrentCount); // nothing taken
    }

    [Fact]
    public void Wait_NegativeTimeSpanOtherThanInfinite_ThrowsArgumentOutOfRange()
    {
        using var s = new PinnedSemaphore(1, 1);
        var bad = TimeSpan.FromMilliseconds(-2);
        var tooLarge = TimeSpan.FromMilliseconds((double)int.MaxValue + 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Wait(bad));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Wait(tooLarge));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = s.WaitAsync(bad); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = s.WaitAsync(tooLarge); });
        Assert.Equal(1, s.CurrentCount);
    }

    [Fact]
    public async Task Wait_InfiniteTimeout_IsAccepted()
    {
        using var s = new PinnedSemaphore(4, 4);
        Assert.True(s.Wait(Timeout.Infinite));
        Assert.True(s.Wait(Timeout.InfiniteTimeSpan));
        Assert.True(await s.WaitAsync(Timeout.Infinite));
        Assert.True(await s.WaitAsync(Timeout.InfiniteTimeSpan));
        Assert.Equal(0, s.CurrentCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Release_ZeroOrNegativeCount_ThrowsArgumentOutOfRange(int releaseCount)
    {
        using var s = new PinnedSemaphore(1, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Release(releaseCount));
        Assert.Equal(1, s.CurrentCount);
    }

    [Fact]
    public void Release_PastMax_ThrowsSemaphoreFullAndChangesNothing()
    {
        using var s = new PinnedSemaphore(2, 3);
        Assert.Throws<SemaphoreFullException>(() => s.Release(2));
        Assert.Equal(2, s.CurrentCount);
        Assert.Throws<SemaphoreFullException>(() => s.Release(int.MaxValue));
        Assert.Equal(2, s.CurrentCount);

        Assert.Equal(2, s.Release());
        Assert.Throws<SemaphoreFullException>(() => s.Release());
        Assert.Equal(3, s.CurrentCount);
    }

    [Fact]
    public async Task Release_PastMaxWithQueuedWaiters_GrantsNothing()
    {
        using var s = new PinnedSemaphore(0, 2);
        var first = s.WaitAsync(TestTimeoutToken).AsTask();
        var second = s.WaitAsync(TestTimeoutToken).AsTask();
        Assert.Equal(2, s.WaiterCount);

        Assert.Throws<SemaphoreFullException>(() => s.Release(3));

        Assert.Equal(2, s.WaiterCount);
        Assert.Equal(0, s.CurrentCount);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        Assert.Equal(0, s.Release(2));
        await WithTimeout(Task.WhenAll(first, second));
        Assert.Equal(0, s.CurrentCount);
        Assert.Equal(0, s.WaiterCount);
    }

    [Fact]
    public void Release_ReturnsPreviousCount()
    {
        using var s = new PinnedSemaphore(0, 10);
        Assert.Equal(0, s.Release());
        Assert.Equal(1, s.Release(3));
        Assert.Equal(4, s.Release(6));
        Assert.Equal(10, s.CurrentCount);
    }

    [Fact]
    public void AfterDispose_EveryOperation_ThrowsObjectDisposed()
    {
        var s = new PinnedSemaphore(1, 2);
        s.Dispose();
        s.Dispose(); // idempotent

        Assert.Throws<ObjectDisposedException>(() => s.Wait());
        Assert.Throws<ObjectDisposedException>(() => s.Wait(CancellationToken.None));
        Assert.Throws<ObjectDisposedException>(() => s.Wait(0));
        Assert.Throws<ObjectDisposedException>(() => s.Wait(TimeSpan.FromSeconds(1)));
        Assert.Throws<ObjectDisposedException>(() => s.TryWait());
        Assert.Throws<ObjectDisposedException>(() => { _ = s.WaitAsync(); });
        Assert.Throws<ObjectDisposedException>(() => { _ = s.WaitAsync(0); });
        Assert.Throws<ObjectDisposedException>(() => { _ = s.WaitAsync(TimeSpan.FromSeconds(1)); });
        Assert.Throws<ObjectDisposedException>(() => s.Release());
        Assert.Throws<ObjectDisposedException>(() => s.Release(1));
    }

    [Fact]
    public unsafe void RawAfterDispose_WaitAndRelease_ThrowObjectDisposed()
    {
        RawSemaphore raw;
        Assert.True(PinSync.Pinning.PinInit.TryInPlace(&raw, RawSemaphore.Init(1, 2), out RawSemaphoreInitError _));
        RawSemaphore.Dispose(&raw);
        var p = &raw;
        Assert.Throws<ObjectDisposedException>(() => RawSemaphore.TryWait(p));
        Assert.Throws<ObjectDisposedException>(() => RawSemaphore.Wait(p));
        Assert.Throws<ObjectDisposedException>(() => RawSemaphore.Release(p));
        Assert.Throws<ObjectDisposedException>(() => { _ = RawSemaphore.WaitAsync(p); });
    }

    [Fact]
    public async Task Dispose_QueuedSyncAndAsyncWaiters_AllGetObjectDisposed()
    {
        var s = new PinnedSemaphore(0, 4);
        var asyncPlain = s.WaitAsync().AsTask();
        var asyncTimed = s.WaitAsync(UnexpectedTimeout, TestTimeoutToken).AsTask();
        Exception? blockingError = null;
        var blocking = StartThread("semaphore-dispose-waiter", () =>
        {
            try
            {
                s.Wait(UnexpectedTimeout);
            }
            catch (Exception e)
            {
                blockingError = e;
            }
        });
        WaitForWaiters(s, 3);

        s.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(asyncPlain));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(asyncTimed));
        JoinOrFail(blocking);
        Assert.IsType<ObjectDisposedException>(blockingError);
        Assert.Equal(0, s.WaiterCount);
    }

    [Fact]
    public async Task Wait_TokenCanceledBeforeCall_ThrowsEvenWithPermitAvailable()
    {
        using var s = new PinnedSemaphore(1, 1);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Assert.Throws<OperationCanceledException>(() => s.Wait(cts.Token));
        Assert.Throws<OperationCanceledException>(() => s.Wait(1000, cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.WaitAsync(cts.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.WaitAsync(1000, cts.Token).AsTask());
        Assert.Equal(1, s.CurrentCount); // a canceled wait never consumes a permit
    }

    [Fact]
    public async Task WaitAsync_CanceledWhileQueued_ThrowsAndLeavesQueue()
    {
        using var s = new PinnedSemaphore(0, 1);
        using var cts = new CancellationTokenSource();
        var pending = s.WaitAsync(cts.Token).AsTask();
        Assert.Equal(1, s.WaiterCount);

        await cts.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(pending));
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(0, s.WaiterCount);
        Assert.Equal(0, s.Release()); // the permit goes to the count: nobody is queued any more
        Assert.Equal(1, s.CurrentCount);
    }

    [Fact]
    public void Wait_CanceledWhileQueued_ThrowsAndLeavesQueue()
    {
        using var s = new PinnedSemaphore(0, 1);
        using var cts = new CancellationTokenSource();
        Exception? error = null;
        var waiter = StartThread("semaphore-cancel-waiter", () =>
        {
            try
            {
                s.Wait(UnexpectedTimeout, cts.Token);
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        WaitForWaiters(s, 1);

        cts.Cancel();

        JoinOrFail(waiter);
        Assert.IsType<OperationCanceledException>(error);
        Assert.Equal(0, s.WaiterCount);
        Assert.Equal(0, s.CurrentCount);
    }

    [Fact]
    public async Task Wait_TimeoutElapses_ReturnsFalseAndLeavesQueue()
    {
        using var s = new PinnedSemaphore(0, 1);
        Assert.False(s.Wait(ExpectedTimeout));
        Assert.False(await WithTimeout(s.WaitAsync(ExpectedTimeout).AsTask()));
        Assert.False(await WithTimeout(s.WaitAsync(ExpectedTimeout, TestTimeoutToken).AsTask()));
        Assert.Equal(0, s.WaiterCount);
        Assert.Equal(0, s.CurrentCount);
    }

    [Fact]
    public async Task ZeroTimeout_NoPermit_ReturnsFalseWithoutQueueing()
    {
        using var s = new PinnedSemaphore(0, 1);
        Assert.False(s.Wait(0));
        Assert.False(s.Wait(TimeSpan.Zero));
        var vt = s.WaitAsync(0);
        Assert.True(vt.IsCompletedSuccessfully);
        Assert.False(await vt);
        Assert.False(s.TryWait());
        Assert.Equal(0, s.WaiterCount);
    }
}
