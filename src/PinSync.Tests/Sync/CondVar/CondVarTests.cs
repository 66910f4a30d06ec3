using PinSync.Tests.Sync.Mutex;

namespace PinSync.Tests.Sync.CondVar;

public sealed class CondVarTests : TestBase
{
    private sealed class State
    {
        public bool Ready;
        public int Woken;
    }

    [Fact]
    public async Task Wait_WithoutHoldingTheLock_ThrowsSynchronizationLockException()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        var released = m.Lock();
        var stale = released;
        released.Dispose();
        Assert.Throws<SynchronizationLockException>(() => cv.Wait(stale));
        Assert.Throws<SynchronizationLockException>(() => cv.Wait(default(MutexGuard<int>)));
        await Assert.ThrowsAsync<SynchronizationLockException>(async () => await cv.WaitAsync(stale));
        Assert.Equal(0, cv.WaiterCount);
        Assert.False(m.IsLocked);
    }

    [Fact]
    public void Notify_WithoutWaiters_IsNotStored()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        Assert.False(cv.NotifyOne());
        Assert.Equal(0, cv.NotifyAll());
        using var g = m.Lock();
        Assert.False(cv.Wait(g, ExpectedTimeout)); // an earlier notify does not satisfy a later wait
        Assert.True(g.Acquired);
        Assert.True(m.IsLocked);
    }

    [Fact]
    public async Task WaitAsync_Timeout_ReturnsFalseWithLockReHeld()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        using var g = await m.LockAsync();
        Assert.False(await WithTimeout(cv.WaitAsync(g, ExpectedTimeout).AsTask()));
        Assert.True(g.Acquired);
        g.Value = 5; // the guard still works
        Assert.Equal(0, cv.WaiterCount);
        Assert.False(await cv.WaitAsync(g, TimeSpan.Zero));
    }

    /// <summary>The async wait's own waiter re-takes the mutex after its timeout: while another holder keeps the
    /// mutex, the wait stays pending (queued on the mutex), and it completes with <see langword="false"/> only once
    /// that holder releases.</summary>
    [Fact]
    public async Task WaitAsync_TimesOutWhileAnotherHoldsTheMutex_CompletesOnlyAfterThatRelease()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        var g = await m.LockAsync();
        var wait = cv.WaitAsync(g, ExpectedTimeout).AsTask();
        await PinnedMutexMisuseTests.WaitUntil(() => cv.WaiterCount == 1);
        var other = await m.LockAsync(); // taken while the condition wait has released it
        await PinnedMutexMisuseTests.WaitUntil(() => cv.WaiterCount == 0 && m.WaiterCount == 1); // timed out, re-queued
        Assert.False(wait.IsCompleted);
        other.Dispose();
        Assert.False(await WithTimeout(wait));
        Assert.True(g.Acquired);
        Assert.True(m.IsLocked);
        g.Dispose();
        Assert.False(m.IsLocked);
    }

    /// <summary>The same for cancellation and for dispose of the condition variable: the exception comes only once
    /// the waiter holds the mutex again.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WaitAsync_CanceledOrDisposedWhileAnotherHoldsTheMutex_ThrowsOnlyAfterThatRelease(bool dispose)
    {
        using var m = new PinnedMutex<int>(0);
        var cv = new PinSync.CondVar();
        using var cts = new CancellationTokenSource();
        var g = await m.LockAsync();
        var wait = cv.WaitAsync(g, cts.Token).AsTask();
        await PinnedMutexMisuseTests.WaitUntil(() => cv.WaiterCount == 1);
        var other = await m.LockAsync();
        if (dispose)
        {
            cv.Dispose();
        }
        else
        {
            await cts.CancelAsync();
        }

        await PinnedMutexMisuseTests.WaitUntil(() => m.WaiterCount == 1);
        Assert.False(wait.IsCompleted);
        other.Dispose();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => WithTimeout(wait));
        Assert.IsAssignableFrom(dispose ? typeof(ObjectDisposedException) : typeof(OperationCanceledException), error);
        Assert.True(g.Acquired);
        g.Dispose();
        Assert.False(m.IsLocked);
        cv.Dispose();
    }

    [Fact]
    public void Wait_Canceled_ThrowsWithLockReHeld()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        using var cts = new CancellationTokenSource();
        var stillHeld = false;
        Exception? error = null;
        var t = new Thread(() =>
        {
            using var g = m.Lock();
            try
            {
                cv.Wait(g, cts.Token);
            }
            catch (Exception e)
            {
                error = e;
                stillHeld = g.Acquired && m.IsLocked;
            }
        });
        t.Start();
        PinnedMutexMisuseTests.SpinUntil(() => cv.WaiterCount == 1);
        cts.Cancel();
        JoinOrFail(t);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.True(stillHeld);
        Assert.False(m.IsLocked);
        Assert.Equal(0, cv.WaiterCount);
    }

    [Fact]
    public async Task WaitAsync_Canceled_ThrowsWithLockReHeld()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        using var cts = new CancellationTokenSource();
        var g = await m.LockAsync();
        var wait = cv.WaitAsync(g, cts.Token).AsTask();
        await PinnedMutexMisuseTests.WaitUntil(() => cv.WaiterCount == 1);
        Assert.False(m.IsLocked); // released while waiting
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(wait));
        Assert.True(g.Acquired);
        g.Dispose();
        Assert.False(m.IsLocked);
    }

    [Fact]
    public void NotifyOne_WhileNotifierHoldsMutex_MovesWaiterOntoMutexList()
    {
        using var m = new PinnedMutex<State>(new State());
        using var cv = new PinSync.CondVar();
        var t = new Thread(() =>
        {
            using var g = m.Lock();
            while (!g.Value.Ready)
            {
                cv.Wait(g);
            }

            g.Value.Woken++;
        });
        t.Start();
        PinnedMutexMisuseTests.SpinUntil(() => cv.WaiterCount == 1);
        using (var g = m.Lock())
        {
            g.Value.Ready = true;
            Assert.True(cv.NotifyOne());

            // Wait morphing: the waiter now queues on the mutex, not on the condition variable, and has not run.
            Assert.Equal(0, cv.WaiterCount);
            Assert.Equal(1, m.WaiterCount);
            Assert.Equal(0, g.Value.Woken);
        }

        JoinOrFail(t);
        using var after = m.Lock();
        Assert.Equal(1, after.Value.Woken);
    }

    [Fact]
    public async Task NotifyAll_MixedWaiters_WakesEveryone()
    {
        using var m = new PinnedMutex<State>(new State());
        using var cv = new PinSync.CondVar();
        var threads = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            using var g = m.Lock();
            while (!g.Value.Ready)
            {
                cv.Wait(g);
            }

            g.Value.Woken++;
        })).ToList();
        threads.ForEach(t => t.Start());
        var tasks = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            using var g = await m.LockAsync();
            while (!g.Value.Ready)
            {
                await cv.WaitAsync(g);
            }

            g.Value.Woken++;
        })).ToArray();
        await PinnedMutexMisuseTests.WaitUntil(() => cv.WaiterCount == 6);
        using (var g = m.Lock())
        {
            g.Value.Ready = true;
            Assert.Equal(6, cv.NotifyAll());
        }

        await WithTimeout(Task.WhenAll(tasks));
        threads.ForEach(t => JoinOrFail(t));
        using var after = m.Lock();
        Assert.Equal(6, after.Value.Woken);
        Assert.Equal(0, cv.WaiterCount);
    }

    [Fact]
    public async Task Dispose_WithWaiters_ThrowsObjectDisposedWithLockReHeld()
    {
        using var m = new PinnedMutex<int>(0);
        var cv = new PinSync.CondVar();
        var held = false;
        var g = await m.LockAsync();
        var wait = Task.Run(async () =>
        {
            using var g2 = await m.LockAsync();
            try
            {
                await cv.WaitAsync(g2);
            }
            catch (ObjectDisposedException)
            {
                held = g2.Acquired;
                throw;
            }
        });
        g.Dispose();
        await PinnedMutexMisuseTests.WaitUntil(() => cv.WaiterCount == 1);
        cv.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(wait));
        Assert.True(held);
        Assert.False(m.IsLocked);
        Assert.Throws<ObjectDisposedException>(() => cv.NotifyOne());
    }
}
