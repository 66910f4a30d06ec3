using System.Diagnostics.CodeAnalysis;

namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>
/// The async paths audited for the same property as the blocking ones (issue 11): a throwing cancellation callback,
/// a continuation that throws, <c>Dispose</c> with waiters queued, a guard disposed on another thread, and pooled
/// waiters reused after waits that ended by exceptions. Each leaves nobody queued and the primitive usable.
/// </summary>
public sealed class AsyncAuditTests : TestBase
{
    // Why these tests break PINSYNC012 on purpose.
    private const string TestBodyIsTheHolder =
        "The test body keeps the mutex with the blocking Lock() while it awaits the waiters it is testing " +
        "(queued, canceled, disposed), then releases it itself; the awaits are the test's, no critical section awaits.";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [SuppressMessage("Usage", "PINSYNC012:Guard of a blocking lock is held across await", Justification = TestBodyIsTheHolder)]
    public async Task Throwing_cancellation_callback_still_cancels_every_kind_of_wait(bool throwingFirst)
    {
        using var mutex = new PinnedMutex<int>(0);
        using var semaphore = new PinnedSemaphore(0, 1);
        using var queue = new PinSync.WaitQueue();
        using var cv = new PinSync.CondVar();
        using var cts = new CancellationTokenSource();
        if (throwingFirst)
        {
            cts.Token.Register(() => throw new InvalidOperationException("a throwing callback"));
        }

        var holder = mutex.Lock();
        var lockWait = mutex.LockAsync(cts.Token).AsTask();
        var semaphoreWait = semaphore.WaitAsync(cts.Token).AsTask();
        var queueWait = queue.WaitUntilAsync(() => false, cts.Token).AsTask();
        var blockingLock = Task.Factory.StartNew(() => { using var g = mutex.Lock(cts.Token); }, TaskCreationOptions.LongRunning);
        await WaitUntil(() => mutex.WaiterCount == 2 && semaphore.WaiterCount == 1 && queue.WaiterCount == 1);
        if (!throwingFirst)
        {
            cts.Token.Register(() => throw new InvalidOperationException("a throwing callback"));
        }

        var thrown = Assert.Throws<AggregateException>(() => cts.Cancel());
        Assert.IsType<InvalidOperationException>(Assert.Single(thrown.InnerExceptions));
        foreach (var wait in new[] { lockWait, semaphoreWait, queueWait, blockingLock })
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(wait));
        }

        Assert.Equal(0, mutex.WaiterCount);
        Assert.Equal(0, semaphore.WaiterCount);
        Assert.Equal(0, queue.WaiterCount);
        holder.Dispose();
        using (var g = await WithTimeout(mutex.LockAsync().AsTask()))
        {
            Assert.True(g.Acquired);
        }

        semaphore.Release();
        await WithTimeout(semaphore.WaitAsync().AsTask());
    }

    [Fact]
    public async Task Continuations_that_throw_inside_the_lock_leave_it_free_and_nobody_queued()
    {
        using var mutex = new PinnedMutex<int>(0);
        async Task Throwing(int i)
        {
            using var g = await mutex.LockAsync();
            g.Value++;
            await Task.Yield();
            throw new InvalidOperationException($"continuation {i}");
        }

        var tasks = Enumerable.Range(0, 50).Select(Throwing).ToArray();
        foreach (var task in tasks)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => WithTimeout(task));
        }

        Assert.False(mutex.IsLocked);
        Assert.Equal(0, mutex.WaiterCount);
        using var last = await WithTimeout(mutex.LockAsync().AsTask());
        Assert.Equal(50, last.Value);
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC012:Guard of a blocking lock is held across await", Justification = TestBodyIsTheHolder)]
    public async Task Dispose_with_async_waiters_queued_fails_each_and_orphans_none()
    {
        var mutex = new PinnedMutex<int>(0);
        var semaphore = new PinnedSemaphore(0, 1);
        var queue = new PinSync.WaitQueue();
        var cv = new PinSync.CondVar();
        using var cts = new CancellationTokenSource();
        var holder = mutex.Lock();
        var waits = new List<Task>
        {
            mutex.LockAsync().AsTask(),
            mutex.LockAsync(cts.Token).AsTask(),
            mutex.TryLockAsync(TimeSpan.FromSeconds(60)).AsTask(),
            semaphore.WaitAsync().AsTask(),
            semaphore.WaitAsync(TimeSpan.FromSeconds(60), cts.Token).AsTask(),
            queue.WaitUntilAsync(() => false).AsTask(),
            queue.WaitUntilExclusiveAsync(() => false, TimeSpan.FromSeconds(60)).AsTask(),
        };
        await WaitUntil(() => mutex.WaiterCount == 3 && semaphore.WaiterCount == 2 && queue.WaiterCount == 2);
        mutex.Dispose();
        semaphore.Dispose();
        queue.Dispose();
        foreach (var wait in waits)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(wait));
        }

        Assert.Equal(0, mutex.WaiterCount);
        Assert.Equal(0, semaphore.WaiterCount);
        Assert.Equal(0, queue.WaiterCount);
        holder.Dispose(); // a holder may still unlock a disposed mutex
        Assert.False(mutex.IsLocked);

        // A condition waiter of a disposed condition variable gets ObjectDisposedException holding its mutex again.
        using var m2 = new PinnedMutex<int>(0);
        var cvWait = Task.Run(async () =>
        {
            using var g = await m2.LockAsync();
            try
            {
                await cv.WaitAsync(g);
            }
            finally
            {
                Assert.True(g.Acquired);
            }
        });
        await WaitUntil(() => cv.WaiterCount == 1);
        cv.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(cvWait));
        Assert.False(m2.IsLocked);
    }

    [Fact]
    [SuppressMessage(
        "Usage",
        "PINSYNC012:Guard of a blocking lock is held across await",
        Justification = "A blocking guard that crosses an await and is disposed on another thread is the case under test.")]
    public async Task Guard_disposed_on_another_thread_releases_and_wakes_the_next_waiter()
    {
        using var mutex = new PinnedMutex<int>(0);
        var asyncGuard = await mutex.LockAsync();
        var next = mutex.LockAsync().AsTask();
        await WithTimeout(Task.Run(() => asyncGuard.Dispose()));
        using (var g = await WithTimeout(next))
        {
            Assert.True(g.Acquired);
        }

        var copy = asyncGuard;
        copy.Dispose(); // a copy of a released guard: a no-op, it must not release the lock of a later acquisition
        var blockingGuard = mutex.Lock();
        var blocked = Task.Factory.StartNew(() => { using var g = mutex.Lock(); g.Value++; }, TaskCreationOptions.LongRunning);
        await WaitUntil(() => mutex.WaiterCount == 1);
        await WithTimeout(Task.Run(() => blockingGuard.Dispose()));
        await WithTimeout(blocked);
        Assert.False(mutex.IsLocked);
    }

    [Fact]
    [SuppressMessage("Usage", "PINSYNC012:Guard of a blocking lock is held across await", Justification = TestBodyIsTheHolder)]
    public async Task Pooled_waiters_reused_after_cancellations_timeouts_and_dispose_deliver_only_their_own_result()
    {
        using var semaphore = new PinnedSemaphore(0, 1);
        for (var i = 0; i < 300; i++)
        {
            using var cts = new CancellationTokenSource();
            var canceled = semaphore.WaitAsync(cts.Token).AsTask();
            var timed = semaphore.WaitAsync(TimeSpan.FromMilliseconds(1)).AsTask();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(canceled));
            Assert.False(await WithTimeout(timed));

            var disposed = new PinnedMutex<int>(0);
            var held = disposed.Lock();
            var orphan = disposed.LockAsync().AsTask();
            disposed.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(orphan));
            held.Dispose();

            // The waiters just returned to the pool serve the next waits: each completes with its own result.
            var granted = semaphore.WaitAsync(TimeSpan.FromSeconds(30)).AsTask();
            semaphore.Release();
            Assert.True(await WithTimeout(granted));
            Assert.Equal(0, semaphore.CurrentCount);
            Assert.Equal(0, semaphore.WaiterCount);
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + UnexpectedTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The waiters did not queue (hang guard).");
            }

            await Task.Delay(1);
        }
    }
}
