using System.Diagnostics.CodeAnalysis;

namespace PinSync.Tests.Sync.Review;

/// <summary>Concurrency review of <see cref="PinSync.CondVar"/> / <see cref="RawCondVar"/>: races between
/// queuing, notification, timeouts, cancellation and dispose.</summary>
public sealed class CondVarReviewTests : TestBase
{
    /// <summary>
    /// A token canceled while an async wait is being queued (after the early IsCancellationRequested check, before
    /// the node is linked under the condition variable's lock) must end the wait exactly once. CondVarOps.TryUnlink
    /// decides "still linked" by WaitNodeFlags.CondVar, which Begin sets before the node is linked: the callback then
    /// "unlinks" a detached node, decrements the waiter count and queues the completion, while WaitAsyncCore also
    /// sees IsAbandoned and aborts the same waiter (double Disarm, node returned twice, completion of a pooled
    /// waiter that went back to the pool).
    /// </summary>
    [Fact]
    public void WaitAsync_TokenCanceledWhileQueuing_CompletesOnceAndCountStaysZero()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        const int Iterations = 40_000;
        var sources = new CancellationTokenSource[Iterations];
        for (var i = 0; i < Iterations; i++)
        {
            sources[i] = new CancellationTokenSource();
        }

        // Spin rendezvous: both threads leave the spin within a few nanoseconds of each other, and the canceler's
        // delay sweeps the span in which WaitAsync rents, registers and links its waiter.
        var round = -1;
        var canceled = -1;
        var canceler = new Thread(() =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                while (Volatile.Read(ref round) < i)
                {
                }

                Thread.SpinWait(i % 211);
                sources[i].Cancel();
                Volatile.Write(ref canceled, i);
            }
        })
        { IsBackground = true, Name = "canceler" };
        canceler.Start();

        try
        {
            for (var i = 0; i < Iterations; i++)
            {
                var g = m.Lock();
                Volatile.Write(ref round, i);
                var wait = cv.WaitAsync(g, UnexpectedTimeout, sources[i].Token).AsTask();
                Assert.True(((IAsyncResult)wait).AsyncWaitHandle.WaitOne(UnexpectedTimeout), $"iteration {i}: wait did not end (hang guard)");
                Assert.True(wait.IsCompletedSuccessfully || wait.IsCanceled, $"iteration {i}: {wait.Exception}");
                Assert.True(g.Acquired, $"iteration {i}: lock not re-held");
                Assert.Equal(0, cv.WaiterCount);
                g.Dispose();
                var index = i;
                Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref canceled) >= index, UnexpectedTimeout), "canceler (hang guard)");
            }
        }
        finally
        {
            Volatile.Write(ref round, Iterations);
            JoinOrFail(canceler);
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }

        Assert.False(m.IsLocked);
    }

    /// <summary>
    /// A timed blocking wait whose timeout re-lock fails because the mutex was disposed meanwhile throws
    /// ObjectDisposedException without the mutex held. CondVar.WaitCore's finally restores the guard's token on
    /// every path, so the guard claims the lock it does not hold: Value is readable outside the lock and Dispose
    /// releases the lock of whoever holds it now (here, the disposer).
    /// </summary>
    [Fact]
    [SuppressMessage(
        "Usage",
        "PINSYNC010:MutexGuard is not disposed on every path",
        Justification = "The waiter's guard is read after Wait throws and disposed by hand inside a try: what the guard " +
            "claims and what its Dispose does once the mutex is disposed is what the test checks.")]
    public void Wait_MutexDisposedDuringTimedWait_GuardNeitherClaimsNorReleasesAnotherHoldersLock()
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        Exception? waitError = null;
        Exception? disposeError = null;
        var claimedAfterThrow = false;
        using var disposed = new ManualResetEventSlim();
        var waiter = new Thread(() =>
        {
            var g = m.Lock();
            try
            {
                cv.Wait(g, TimeSpan.FromMilliseconds(100));
            }
            catch (ObjectDisposedException e)
            {
                waitError = e;
            }

            claimedAfterThrow = g.Acquired;
            try
            {
                g.Dispose();
            }
            catch (Exception e) when (e is SynchronizationLockException or ObjectDisposedException)
            {
                disposeError = e;
            }
        })
        { IsBackground = true, Name = "condvar waiter" };
        waiter.Start();
        PinnedMutexSpin.Until(() => cv.WaiterCount == 1);

        // The main thread takes the mutex and disposes it while holding it (allowed: a holder may still unlock).
        var holder = m.Lock();
        m.Dispose();
        JoinOrFail(waiter);

        Assert.IsType<ObjectDisposedException>(waitError);
        Assert.True(m.IsLocked, "The waiter's guard released the lock the main thread still holds.");
        Assert.False(claimedAfterThrow, "The guard claims the lock after Wait threw without re-taking it.");
        Assert.True(holder.Acquired);
        holder.Dispose();
        _ = disposeError;
    }

    /// <summary>
    /// Every notification a notifier reports (NotifyOne true, NotifyAll count) is consumed by exactly one wait that
    /// returns true, while timeouts, NotifyAll splices, morphing onto a held mutex and waking onto a free one race;
    /// every wait returns with the lock held, and mutual exclusion holds.
    /// </summary>
    [Fact]
    public async Task Notify_RacingWithTimeoutsMixedWaiters_EveryNotificationConsumedExactlyOnce()
    {
        using var m = new PinnedMutex<Shared>(new Shared());
        using var cv = new PinSync.CondVar();
        const int Rounds = 250;
        var trueResults = 0;
        using var done = new CancellationTokenSource();

        void CheckHeld(in MutexGuard<Shared> g)
        {
            Assert.True(g.Acquired, "Wait returned without the lock.");
            Assert.True(m.IsLocked);
            Assert.Equal(0, g.Value.Inside++);
            g.Value.Inside--;
        }

        var threads = Enumerable.Range(0, 2).Select(n => new Thread(() =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                using var g = m.Lock();
                if (cv.Wait(g, TimeSpan.FromMilliseconds(i % 3)))
                {
                    Interlocked.Increment(ref trueResults);
                }

                CheckHeld(g);
            }
        })
        { IsBackground = true, Name = $"blocking waiter {n}" }).ToList();
        threads.ForEach(t => t.Start());
        var tasks = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                using var g = await m.LockAsync();
                if (await cv.WaitAsync(g, TimeSpan.FromMilliseconds(1 + (i % 2))))
                {
                    Interlocked.Increment(ref trueResults);
                }

                CheckHeld(g);
            }
        })).ToArray();

        var notified = 0;
        var notifier = Task.Run(() =>
        {
            var random = new Random(12345);
            while (!done.IsCancellationRequested)
            {
                var all = random.Next(4) == 0;
                if (random.Next(2) == 0)
                {
                    // Notify while holding: waiters morph onto the mutex's list; the unlock then wakes or grants.
                    using var g = m.Lock();
                    notified += all ? cv.NotifyAll() : cv.NotifyOne() ? 1 : 0;
                }
                else
                {
                    // Notify without holding: waiters are woken to compete for a (probably) free mutex.
                    notified += all ? cv.NotifyAll() : cv.NotifyOne() ? 1 : 0;
                }

                Thread.SpinWait(random.Next(2_000));
            }
        });

        await WithTimeout(Task.WhenAll(tasks));
        threads.ForEach(t => JoinOrFail(t));
        await done.CancelAsync();
        await WithTimeout(notifier);

        Assert.Equal(notified, Volatile.Read(ref trueResults));
        Assert.Equal(0, cv.WaiterCount);
        Assert.Equal(0, m.WaiterCount);
        Assert.False(m.IsLocked);
    }

    /// <summary>
    /// The condition variable's basic promise under load: a producer/consumer handshake with blocking and async
    /// consumers, notified with the mutex held (morphing) or released first (waking), never loses a wakeup (an
    /// infinite wait ends only by notification, so a lost one hangs the guard).
    /// </summary>
    [Fact]
    public async Task ProducerConsumer_MorphAndWakeRacingUnlock_NoLostWakeup()
    {
        using var m = new PinnedMutex<Shared>(new Shared());
        using var cv = new PinSync.CondVar();
        const int Items = 6_000;
        const int Consumers = 4;

        var threads = Enumerable.Range(0, Consumers / 2).Select(n => new Thread(() =>
        {
            while (true)
            {
                using var g = m.Lock();
                while (g.Value.Available == 0 && !g.Value.Closed)
                {
                    cv.Wait(g, TestTimeoutToken);
                }

                if (g.Value.Available == 0)
                {
                    return;
                }

                g.Value.Available--;
                g.Value.Consumed++;
            }
        })
        { IsBackground = true, Name = $"consumer {n}" }).ToList();
        threads.ForEach(t => t.Start());
        var tasks = Enumerable.Range(0, Consumers / 2).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                using var g = await m.LockAsync(TestTimeoutToken);
                while (g.Value.Available == 0 && !g.Value.Closed)
                {
                    await cv.WaitAsync(g, TestTimeoutToken);
                }

                if (g.Value.Available == 0)
                {
                    return;
                }

                g.Value.Available--;
                g.Value.Consumed++;
            }
        })).ToArray();

        for (var i = 0; i < Items; i++)
        {
            // Even items notify while holding the lock (the waiter morphs onto the held mutex), odd ones after
            // releasing it (the waiter wakes to compete); the guard is disposed in one statement either way.
            var notifyHeld = (i & 1) == 0;
            var g = m.Lock();
            g.Value.Available++;
            if (notifyHeld)
            {
                cv.NotifyOne();
            }

            g.Dispose();
            if (!notifyHeld)
            {
                cv.NotifyOne();
            }

            if (i % 64 == 0)
            {
                Thread.Yield();
            }
        }

        using (var g = m.Lock())
        {
            g.Value.Closed = true;
            cv.NotifyAll();
        }

        await WithTimeout(Task.WhenAll(tasks));
        threads.ForEach(t => JoinOrFail(t));
        using var final = m.Lock();
        Assert.Equal(Items, final.Value.Consumed);
        Assert.Equal(0, cv.WaiterCount);
    }

    private sealed class Shared
    {
        public int Inside;
        public int Available;
        public int Consumed;
        public bool Closed;
    }
}

/// <summary>Small spin helpers with the hang guard.</summary>
internal static class PinnedMutexSpin
{
    internal static void Until(Func<bool> condition) =>
        Assert.True(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(30)), "Condition not reached (hang guard).");
}
