namespace PinSync.Tests.Sync.Api;

/// <summary>
/// <see cref="SemaphoreLease"/>: <c>using (await sem.EnterAsync())</c> and <c>using (sem.Enter())</c> hold one permit
/// for the scope; a second dispose of the same lease releases nothing; canceled, timed-out and disposed enters hold
/// nothing.
/// </summary>
public sealed class SemaphoreLeaseTests : TestBase
{
    [Fact]
    public void Enter_HoldsOnePermitForTheScope()
    {
        using var sem = new PinnedSemaphore(2, 2);
        using (var lease = sem.Enter())
        {
            Assert.True(lease.Held);
            Assert.Equal(1, sem.CurrentCount);
        }

        Assert.Equal(2, sem.CurrentCount);
    }

    [Fact]
    public void Dispose_Twice_ReleasesOnce()
    {
        using var sem = new PinnedSemaphore(1, 1);
        var lease = sem.Enter();
        lease.Dispose();
        lease.Dispose(); // would throw SemaphoreFullException if it released again
        Assert.False(lease.Held);
        Assert.Equal(1, sem.CurrentCount);
        default(SemaphoreLease).Dispose(); // an empty lease holds nothing
        Assert.Equal(1, sem.CurrentCount);
    }

    [Fact]
    public async Task EnterAsync_Contended_CompletesWhenThePermitIsReleased()
    {
        using var sem = new PinnedSemaphore(1, 1);
        var first = await sem.EnterAsync(TestTimeoutToken);
        var second = sem.EnterAsync(TestTimeoutToken);
        Assert.False(second.IsCompleted);
        Assert.Equal(1, sem.WaiterCount);
        first.Dispose(); // hands the permit straight to the queued waiter
        using (var lease = await WithTimeout(second.AsTask()))
        {
            Assert.True(lease.Held);
            Assert.Equal(0, sem.CurrentCount);
        }

        Assert.Equal(1, sem.CurrentCount);
    }

    [Fact]
    public async Task EnterAsync_Canceled_HoldsNothingAndLeavesTheQueue()
    {
        using var sem = new PinnedSemaphore(0, 1);
        using var cts = new CancellationTokenSource();
        var pending = sem.EnterAsync(cts.Token);
        Assert.Equal(1, sem.WaiterCount);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(pending.AsTask()));
        Assert.Equal(0, sem.WaiterCount);
        Assert.Equal(0, sem.CurrentCount);

        // Already canceled: fails even though a permit is available (the SemaphoreSlim rule), and takes none.
        sem.Release();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sem.EnterAsync(cts.Token).AsTask());
        Assert.Throws<OperationCanceledException>(() => sem.Enter(cts.Token));
        Assert.Equal(1, sem.CurrentCount);
    }

    [Fact]
    public async Task TryEnter_TimesOut_WithAnEmptyLease()
    {
        using var sem = new PinnedSemaphore(0, 1);
        Assert.False(sem.TryEnter(TimeSpan.Zero, out var lease));
        Assert.False(lease.Held);
        lease.Dispose();
        using (var timedOut = await WithTimeout(sem.TryEnterAsync(TimeSpan.FromMilliseconds(1)).AsTask()))
        {
            Assert.False(timedOut.Held);
        }

        Assert.Equal(0, sem.CurrentCount);
        Assert.Equal(0, sem.WaiterCount);
        sem.Release();
        Assert.True(sem.TryEnter(Timeout.InfiniteTimeSpan, out var got));
        using (got)
        {
            Assert.Equal(0, sem.CurrentCount);
        }

        using var asyncGot = await sem.TryEnterAsync(TimeSpan.FromSeconds(1));
        Assert.True(asyncGot.Held);
    }

    [Fact]
    public async Task Enter_BadInputAndDisposed_Throw()
    {
        var sem = new PinnedSemaphore(1, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => sem.TryEnter(TimeSpan.FromMilliseconds(-2), out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => sem.TryEnterAsync(TimeSpan.FromMilliseconds(-2)));
        Assert.Equal(1, sem.CurrentCount);

        var lease = sem.Enter();
        var queued = sem.EnterAsync();
        sem.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(queued.AsTask())); // delivered to the queued waiter
        Assert.Throws<ObjectDisposedException>(() => sem.Enter());
        Assert.Throws<ObjectDisposedException>(() => sem.EnterAsync());
        Assert.Throws<ObjectDisposedException>(() => lease.Dispose()); // the release of a disposed semaphore
    }
}
