using System.Diagnostics.CodeAnalysis;

namespace PinSync.Tests.Sync.Mutex;

public sealed class PinnedMutexMisuseTests : TestBase
{
    // Justifications for the usage rules these tests break on purpose (PINSYNC010, PINSYNC012).
    private const string TestBodyIsTheHolder =
        "The test body is the contending holder: it keeps the mutex with the blocking Lock() while it awaits the " +
        "waiter it is testing (timeout, cancellation, dispose), and releases it itself; no critical section awaits.";

    private const string LockIsExpectedToThrow =
        "The discarded Lock() is expected to throw (the probe records the exception); it never returns a guard.";

    [Fact]
    public void Lock_Uncontended_GuardGivesValueAndReleases()
    {
        using var m = new PinnedMutex<int>(41);
        using (var g = m.Lock())
        {
            Assert.True(g.Acquired);
            Assert.True(m.IsLocked);
            g.Value++;
        }

        Assert.False(m.IsLocked);
        Assert.True(m.TryLock(out var again));
        using (again)
        {
            Assert.Equal(42, again.Value);
        }
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC014:MutexGuard is copied and both copies are used", Justification = "Disposing a copy of a released acquisition is the case under test.")]
    public void Dispose_GuardDisposedTwice_SecondIsNoOp()
    {
        using var m = new PinnedMutex<int>(0);
        var g = m.Lock();
        var copy = g;
        g.Dispose();
        g.Dispose();
        copy.Dispose(); // a copy of an already-released acquisition, mutex not taken since: no-op
        Assert.False(m.IsLocked);
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC014:MutexGuard is copied and both copies are used", Justification = "A stale copy used after the relock is the case under test.")]
    public void Dispose_StaleCopyAfterRelock_ThrowsAndReleasesNothing()
    {
        using var m = new PinnedMutex<int>(0);
        var g = m.Lock();
        var stale = g;
        g.Dispose();
        using var current = m.Lock();
        Assert.Throws<SynchronizationLockException>(() => stale.Dispose());
        Assert.True(m.IsLocked);
        Assert.True(current.Acquired);
        Assert.False(stale.Acquired);
        Assert.Throws<SynchronizationLockException>(() => stale.Value++);
    }

    [Fact]
    public void Value_AfterDispose_Throws()
    {
        using var m = new PinnedMutex<int>(0);
        var g = m.Lock();
        g.Dispose();
        Assert.Throws<SynchronizationLockException>(() => g.Value++);
        Assert.Throws<SynchronizationLockException>(() => default(MutexGuard<int>).Value++);
    }

    [Fact]
    public void Lock_RecursiveFromHoldingThread_ThrowsLockRecursion()
    {
        using var m = new PinnedMutex<int>(0);
        using var g = m.Lock();
        Assert.Throws<LockRecursionException>(() => m.Lock());
        Assert.Throws<LockRecursionException>(() => m.TryLock(TimeSpan.FromSeconds(1), out _));
        Assert.True(g.Acquired);
        Assert.Equal(0, m.WaiterCount);
    }

    [Fact]
    public void TryLock_Held_ReturnsFalseWithEmptyGuard()
    {
        using var m = new PinnedMutex<int>(0);
        using var g = m.Lock();
        var t = new Thread(() =>
        {
            Assert.False(m.TryLock(out var g2));
            Assert.False(g2.Acquired);
            g2.Dispose(); // empty guard: no-op
        });
        t.Start();
        JoinOrFail(t);
        Assert.True(m.IsLocked);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(-100)]
    public async Task TimedForms_NegativeTimeout_ThrowArgumentOutOfRange(int ms)
    {
        using var m = new PinnedMutex<int>(0);
        var timeout = TimeSpan.FromMilliseconds(ms);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.TryLock(timeout, out _));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await m.TryLockAsync(timeout));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.TryLock(TimeSpan.FromDays(30), out _));
        Assert.False(m.IsLocked);
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC012:Guard of a blocking lock is held across await", Justification = TestBodyIsTheHolder)]
    public async Task TryLockAsync_HeldUntilTimeout_ReturnsNotAcquiredAndLeavesNoWaiter()
    {
        using var m = new PinnedMutex<int>(0);
        using var g = m.Lock();
        var nodes = AsyncWaiter.ActiveWaits;
        using var attempt = await WithTimeout(m.TryLockAsync(ExpectedTimeout).AsTask());
        Assert.False(attempt.Acquired);
        Assert.Equal(0, m.WaiterCount);
        Assert.True(g.Acquired);
        using var zero = await m.TryLockAsync(TimeSpan.Zero);
        Assert.False(zero.Acquired);
    }

    [Fact]
    public void TryLock_HeldUntilTimeout_ReturnsFalse()
    {
        using var m = new PinnedMutex<int>(0);
        using var g = m.Lock();
        var result = true;
        var t = new Thread(() => result = m.TryLock(ExpectedTimeout, out _));
        t.Start();
        JoinOrFail(t);
        Assert.False(result);
        Assert.Equal(0, m.WaiterCount);
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC012:Guard of a blocking lock is held across await", Justification = TestBodyIsTheHolder)]
    [SuppressMessage("Usage", "PINSYNC010:MutexGuard is not disposed on every path", Justification = LockIsExpectedToThrow)]
    public async Task Dispose_WithQueuedSyncAndAsyncWaiters_DeliversObjectDisposed()
    {
        var m = new PinnedMutex<int>(0);
        var g = m.Lock();
        var asyncWaiter = m.LockAsync().AsTask();
        Exception? syncError = null;
        var t = new Thread(() =>
        {
            try
            {
                m.Lock();
            }
            catch (Exception e)
            {
                syncError = e;
            }
        });
        t.Start();
        await WaitUntil(() => m.WaiterCount == 2);
        m.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(asyncWaiter));
        JoinOrFail(t);
        Assert.IsType<ObjectDisposedException>(syncError);
        Assert.Equal(0, m.WaiterCount);
        Assert.Throws<ObjectDisposedException>(() => m.Lock());
        Assert.Throws<ObjectDisposedException>(() => m.TryLock(out _));
        Assert.Throws<ObjectDisposedException>(() => m.LockAsync());
        g.Dispose(); // the holder may still release
        m.Dispose(); // idempotent
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC012:Guard of a blocking lock is held across await", Justification = TestBodyIsTheHolder)]
    public async Task LockAsync_CanceledWhileQueued_ThrowsAndLeavesQueue()
    {
        using var m = new PinnedMutex<int>(0);
        using var g = m.Lock();
        using var cts = new CancellationTokenSource();
        var waiter = m.LockAsync(cts.Token).AsTask();
        await WaitUntil(() => m.WaiterCount == 1);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(waiter));
        Assert.Equal(0, m.WaiterCount);
        Assert.True(g.Acquired);
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC012:Guard of a blocking lock is held across await", Justification = TestBodyIsTheHolder)]
    public async Task LockAsync_AlreadyCanceledToken_ReturnsCanceled()
    {
        using var m = new PinnedMutex<int>(0);
        using var g = m.Lock();
        var canceled = new CancellationToken(canceled: true);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await m.LockAsync(canceled));
        Assert.Equal(0, m.WaiterCount);
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC010:MutexGuard is not disposed on every path", Justification = LockIsExpectedToThrow)]
    public void Lock_CanceledWhileBlocked_ThrowsAndLeavesQueue()
    {
        using var m = new PinnedMutex<int>(0);
        using var g = m.Lock();
        using var cts = new CancellationTokenSource();
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                m.Lock(cts.Token);
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        t.Start();
        SpinUntil(() => m.WaiterCount == 1);
        cts.Cancel();
        JoinOrFail(t);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.Equal(0, m.WaiterCount);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + UnexpectedTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Condition not reached (hang guard).");
            await Task.Delay(1);
        }
    }

    internal static void SpinUntil(Func<bool> condition) =>
        Assert.True(SpinWait.SpinUntil(condition, UnexpectedTimeout), "Condition not reached (hang guard).");
}
