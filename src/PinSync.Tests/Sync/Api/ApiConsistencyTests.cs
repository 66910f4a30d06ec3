
namespace PinSync.Tests.Sync.Api;

/// <summary>
/// The issue-14 API additions: int-millisecond timeouts on every timed wait (validated like SemaphoreSlim's: -1 is
/// infinite, anything below is ArgumentOutOfRange), the Notify naming on WaitQueue with the old Wake names as aliases,
/// and CondVar's blocking and async waits taking the guard the same way (by in reference).
/// </summary>
public sealed class ApiConsistencyTests : TestBase
{
    [Theory]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void IntTimeouts_BelowMinusOne_ThrowArgumentOutOfRange(int milliseconds)
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new global::PinSync.CondVar();
        using var wq = new global::PinSync.WaitQueue();
        using var sem = new PinnedSemaphore(1);

        Assert.Equal("millisecondsTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => m.TryLock(milliseconds, out _)).ParamName);
        Assert.Equal("millisecondsTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => { _ = m.TryLockAsync(milliseconds); }).ParamName);
        Assert.Equal("millisecondsTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => wq.WaitUntil(() => false, milliseconds)).ParamName);
        Assert.Equal("millisecondsTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => wq.WaitUntilExclusive(() => false, milliseconds)).ParamName);
        Assert.Equal("millisecondsTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => { _ = wq.WaitUntilAsync(() => false, milliseconds); }).ParamName);
        Assert.Equal("millisecondsTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => { _ = wq.WaitUntilExclusiveAsync(() => false, milliseconds); }).ParamName);

        using var g = m.Lock();
        Assert.Equal("millisecondsTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => cv.Wait(g, milliseconds)).ParamName);
        Assert.Equal("millisecondsTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => { _ = cv.WaitAsync(g, milliseconds); }).ParamName);
        Assert.True(g.Acquired); // a rejected argument never released the mutex
        Assert.Equal(1, sem.CurrentCount);
    }

    [Fact]
    public void MutexTryLock_IntZeroWhileHeld_ReturnsFalseWithEmptyGuard()
    {
        using var m = new PinnedMutex<int>(0);
        using var held = m.Lock();
        var other = new Thread(() =>
        {
            Assert.False(m.TryLock(0, out var guard));
            using (guard)
            {
                Assert.False(guard.Acquired);
            }
        });
        other.Start();
        JoinOrFail(other);
        Assert.True(held.Acquired);
    }

    [Fact]
    public async Task MutexTryLockAsync_IntTimeout_TimesOutThenSucceedsWithInfinite()
    {
        using var m = new PinnedMutex<int>(0);
        var held = await m.LockAsync();
        using (var timedOut = await WithTimeout(m.TryLockAsync(1).AsTask()))
        {
            Assert.False(timedOut.Acquired);
        }

        var pending = m.TryLockAsync(Timeout.Infinite);
        held.Dispose();
        using var got = await WithTimeout(pending.AsTask());
        Assert.True(got.Acquired);
    }

    [Fact]
    public void CondVarWait_IntTimeout_ReturnsFalseHoldingTheLockAgain()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new global::PinSync.CondVar();
        using var g = m.Lock();
        Assert.False(cv.Wait(g, 1));
        Assert.True(g.Acquired);
        Assert.Equal(0, cv.WaiterCount);
    }

    [Fact]
    public async Task CondVarWaitAsync_TakesTheGuardByIn_AndTheSameVariableHoldsTheLockAfter()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new global::PinSync.CondVar();
        using var g = await m.LockAsync();
        var timedOut = await WithTimeout(cv.WaitAsync(in g, 1).AsTask());
        Assert.False(timedOut);
        Assert.True(g.Acquired);
        g.Value = 7; // the guard the wait was given is the one that holds the lock again
        Assert.Equal(7, g.Value);
    }

    [Fact]
    public void CondVarWaits_TakeTheGuardTheSameWay()
    {
        var waits = typeof(global::PinSync.CondVar).GetMethods().Where(x => x.Name is "Wait" or "WaitAsync").ToList();
        Assert.Equal(6, waits.Count);
        Assert.All(waits, w => Assert.True(w.GetParameters()[0].IsIn, $"{w} does not take the guard by in"));
    }

    [Fact]
    public void WaitQueueNotify_WakesLikeTheOldNames_WhichStayAsHiddenAliases()
    {
        using var wq = new global::PinSync.WaitQueue();
        var flag = 0;
        var waiter = new Thread(() => wq.WaitUntil(() => Volatile.Read(ref flag) == 2, TestTimeoutToken));
        waiter.Start();
        SpinWait.SpinUntil(() => wq.WaiterCount == 1, UnexpectedTimeout);
        Volatile.Write(ref flag, 1);
        Assert.Equal(1, wq.NotifyOne()); // woken, condition still false: it waits again
        SpinWait.SpinUntil(() => wq.WaiterCount == 1, UnexpectedTimeout);
        Volatile.Write(ref flag, 2);
        Assert.Equal(1, wq.NotifyAll());
        JoinOrFail(waiter);
        Assert.Equal(0, wq.NotifyOne());
        Assert.Equal(0, wq.WakeOne());
        Assert.Equal(0, wq.WakeAll());

        foreach (var name in new[] { "WakeOne", "WakeAll" })
        {
            var alias = typeof(global::PinSync.WaitQueue).GetMethod(name)!;
            var browsable = alias.GetCustomAttributes(typeof(System.ComponentModel.EditorBrowsableAttribute), false);
            Assert.Equal(System.ComponentModel.EditorBrowsableState.Never, Assert.IsType<System.ComponentModel.EditorBrowsableAttribute>(Assert.Single(browsable)).State);
        }
    }

    [Fact]
    public async Task WaitQueueWaitUntilAsync_IntTimeout_ReturnsFalseAndLeavesNothingQueued()
    {
        using var wq = new global::PinSync.WaitQueue();
        Assert.False(await WithTimeout(wq.WaitUntilAsync(() => false, 1).AsTask()));
        Assert.False(await WithTimeout(wq.WaitUntilExclusiveAsync(() => false, 0).AsTask()));
        Assert.False(wq.WaitUntil(() => false, 1));
        Assert.True(wq.WaitUntilExclusive(() => true, Timeout.Infinite));
        Assert.Equal(0, wq.WaiterCount);
    }
}
