using System.Runtime.CompilerServices;

namespace PinSync.Tests.Sync.Review;

/// <summary>Concurrency review of <see cref="RawMutex"/> / <see cref="PinnedMutex{T}"/> and the pooled
/// <see cref="AsyncWaiter"/>: woken waiters, cancellation, timeouts and waiter reuse.</summary>
public sealed class MutexReviewTests : TestBase
{
    /// <summary>
    /// An async waiter woken by an unlock (state Woken) that loses the race to a barger is linked again by
    /// MutexOps.RetryWoken. Execute reads IsAbandoned before RetryWoken, and RetryWoken links without re-checking it
    /// under the wait lock: a cancellation that fires in between finds the node unlinked (TryUnlink fails, so nobody
    /// completes it) and the node is then linked again — the cancellation is lost and the wait lasts as long as the
    /// barger holds the lock (for ever, here, until the test lets go). The canceled wait gets the hang guard
    /// (<see cref="TestBase.UnexpectedTimeout"/>) to end, not a short bound: its completion runs on the thread pool,
    /// which the parallel suite can starve for seconds on a 2-core machine (a 2 s bound failed once that way).
    /// </summary>
    [Fact]
    public unsafe void LockAsync_CanceledWhileWokenWaiterRequeues_CancellationNeverLost()
    {
        using var m = new PinnedMutex<int>(0);
        // A race sweep: 2,000 rendezvous by default, 30,000 (the reviewer's original) with PINSYNC_STRESS=1.
        var iterations = Environment.GetEnvironmentVariable("PINSYNC_STRESS") == "1" ? 30_000 : 2_000;
        var sources = new CancellationTokenSource[iterations];
        for (var i = 0; i < iterations; i++)
        {
            sources[i] = new CancellationTokenSource();
        }

        // Spin rendezvous (a Barrier's wake-up latency would blur the window). The unlock runs in a pool work item,
        // so the waiter's completion goes to that worker's local queue and runs right after the item returns: the
        // canceler, released by the item's last write, then sweeps a short delay across the completion's window.
        var unlocked = new StrongBox<int>(-1);
        var canceled = -1;
        var stop = 0;
        var canceler = new Thread(() =>
        {
            for (var i = 0; i < iterations; i++)
            {
                while (Volatile.Read(ref unlocked.Value) < i)
                {
                    if (Volatile.Read(ref stop) != 0)
                    {
                        return;
                    }
                }

                Thread.SpinWait(i % 97);
                sources[i].Cancel();
                Volatile.Write(ref canceled, i);
            }
        })
        { IsBackground = true, Name = "canceler" };
        canceler.Start();

        var lost = 0;
        var lostDetail = string.Empty;
        try
        {
            for (var i = 0; i < iterations && lost == 0; i++)
            {
                Assert.True(RawMutex.TryLock(m.Raw));
                var pending = m.LockAsync(sources[i].Token).AsTask();
                var step = new BargeStep((nint)m.Raw, i, unlocked);
                ThreadPool.UnsafeQueueUserWorkItem(static s => s.Run(), step, preferLocal: false);
                var index = i;
                Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref canceled) >= index, UnexpectedTimeout), "canceler (hang guard)");
                Assert.True(step.Done.Wait(UnexpectedTimeout), "barge step (hang guard)");
                if (step.Barged)
                {
                    // The token is canceled and we hold the lock: the wait must end (canceled) on its own. Its
                    // completion is a thread-pool work item (queued to the global queue when the cancel callback
                    // unlinks a re-linked node), which a starved pool in the loaded parallel suite can hold back for
                    // seconds: wait with the hang guard, not a short bound. A lost cancellation leaves the node
                    // linked until we unlock, so it still fails here, only later.
                    if (((IAsyncResult)pending).AsyncWaitHandle.WaitOne(UnexpectedTimeout))
                    {
                        Assert.True(pending.IsCanceled, $"Round {i}: the wait ended while the lock was held but not canceled: {pending.Status}.");
                    }
                    else
                    {
                        lost++;
                        lostDetail = $" Round {i}: still pending after {UnexpectedTimeout.TotalSeconds} s with the lock held; "
                            + $"waiters linked: {m.WaiterCount} (1 = re-linked after its cancellation), pool threads: "
                            + $"{ThreadPool.ThreadCount}, pool items pending: {ThreadPool.PendingWorkItemCount}.";
                    }

                    RawMutex.Unlock(m.Raw);
                }

                step.Done.Dispose();
                Assert.True(((IAsyncResult)pending).AsyncWaitHandle.WaitOne(UnexpectedTimeout), "hang guard");
                ReleaseIfAcquired(pending);
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            JoinOrFail(canceler);
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }

        Assert.True(lost == 0, "A canceled LockAsync stayed queued while the lock was held (cancellation lost)." + lostDetail);
        Assert.False(m.IsLocked);
        Assert.Equal(0, m.WaiterCount);
    }

    /// <summary>
    /// Awaiting a raw ValueTask twice is misuse, but it must stay a clear exception: AsyncWaiter.GetResult resets
    /// the core and returns the waiter to the pool in a finally even when the token is stale, so the stale await
    /// resets the pooled waiter that a later, unrelated wait is using (its ValueTask breaks, the lock leaks).
    /// </summary>
    [Fact]
    public unsafe void RawLockAsync_StaleValueTaskAwaitedTwice_DoesNotCorruptLaterWait()
    {
        using var m = new PinnedMutex<int>(0);
        var raw = m.Raw;
        Exception? secondError = null;
        Exception? staleError = null;

        // A fresh thread: its one-slot waiter cache starts empty, so the second wait reuses the first one's waiter.
        var t = new Thread(() =>
        {
            RawMutex.Lock(raw);
            var first = RawMutex.LockAsync(raw);
            Assert.False(first.IsCompleted);
            RawMutex.Unlock(raw);
            Assert.True(SpinWait.SpinUntil(() => first.IsCompleted, UnexpectedTimeout));
            first.GetAwaiter().GetResult(); // holds the lock now; the waiter goes back to this thread's cache

            var second = RawMutex.LockAsync(raw);
            try
            {
                first.GetAwaiter().GetResult(); // misuse: stale
            }
            catch (InvalidOperationException e)
            {
                staleError = e;
            }

            RawMutex.Unlock(raw); // hands the lock to the second wait
            try
            {
                Assert.True(SpinWait.SpinUntil(() => second.IsCompleted, UnexpectedTimeout));
                second.GetAwaiter().GetResult();
                RawMutex.Unlock(raw);
            }
            catch (InvalidOperationException e)
            {
                secondError = e;
            }
        })
        { IsBackground = true, Name = "double await" };
        t.Start();
        JoinOrFail(t);

        Assert.IsType<InvalidOperationException>(staleError);
        Assert.Null(secondError);
        Assert.False(m.IsLocked, "The lock leaked.");
    }

    /// <summary>
    /// No lost wakeup among woken waiters that give up: blocking and async acquirers with short timeouts and
    /// cancellations (which often land on a Woken waiter and must pass the wakeup on) run against hot bargers;
    /// infinite waiters in the mix would hang if a wakeup were lost while the mutex is free. Exclusion and exact
    /// counts are checked throughout.
    /// </summary>
    [Fact]
    public async Task WokenWaitersGivingUp_AgainstBargers_NoLostWakeupExactCount()
    {
        using var m = new PinnedMutex<Counter>(new Counter());
        using var stop = new CancellationTokenSource();
        var successes = 0;

        void Enter(in MutexGuard<Counter> g)
        {
            Assert.Equal(0, g.Value.Inside++);
            g.Value.Total++;
            Interlocked.Increment(ref successes);
            g.Value.Inside--;
        }

        var bargers = Enumerable.Range(0, 2).Select(n => new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (m.TryLock(out var g))
                {
                    Enter(g);
                    Thread.SpinWait(20);
                    g.Dispose();
                }

                Thread.SpinWait(10);
            }
        })
        { IsBackground = true, Name = $"barger {n}" }).ToList();

        var blocking = Enumerable.Range(0, 2).Select(n => new Thread(() =>
        {
            for (var i = 0; i < 1_500; i++)
            {
                if ((i + n) % 3 == 0)
                {
                    using var g = m.Lock(TestTimeoutToken); // infinite: a lost wakeup hangs here
                    Enter(g);
                }
                else if ((i + n) % 3 == 1)
                {
                    if (m.TryLock(TimeSpan.FromMilliseconds(i % 2), out var g))
                    {
                        Enter(g);
                        g.Dispose();
                    }
                }
                else
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(0);
                    try
                    {
                        using var g = m.Lock(cts.Token);
                        Enter(g);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            }
        })
        { IsBackground = true, Name = $"blocking {n}" }).ToList();

        var asyncs = Enumerable.Range(0, 3).Select(n => Task.Run(async () =>
        {
            for (var i = 0; i < 1_500; i++)
            {
                switch ((i + n) % 3)
                {
                    case 0:
                        {
                            using var g = await m.LockAsync(TestTimeoutToken);
                            Enter(g);
                            break;
                        }

                    case 1:
                        {
                            using var g = await m.TryLockAsync(TimeSpan.FromMilliseconds(i % 2));
                            if (g.Acquired)
                            {
                                Enter(g);
                            }

                            break;
                        }

                    default:
                        {
                            using var cts = new CancellationTokenSource();
                            var pending = m.LockAsync(cts.Token);
                            await cts.CancelAsync();
                            try
                            {
                                using var g = await pending;
                                Enter(g);
                            }
                            catch (OperationCanceledException)
                            {
                            }

                            break;
                        }
                }
            }
        })).ToArray();

        bargers.ForEach(t => t.Start());
        blocking.ForEach(t => t.Start());
        await WithTimeout(Task.WhenAll(asyncs));
        blocking.ForEach(t => JoinOrFail(t));
        await stop.CancelAsync();
        bargers.ForEach(t => JoinOrFail(t));

        Assert.False(m.IsLocked);
        Assert.Equal(0, m.WaiterCount);
        using var final = m.Lock();
        Assert.Equal(Volatile.Read(ref successes), final.Value.Total);
    }

    /// <summary>Grant versus timeout on blocking waiters: a waiter whose timeout races with the handoff either keeps
    /// the lock (reports true) or leaves it free for others; never both, never neither.</summary>
    [Fact]
    public void TimedLock_GrantRacingTimeout_LockNeitherLostNorDoubled()
    {
        using var m = new PinnedMutex<int>(0);
        var successes = 0;
        var waiter = new Thread(() =>
        {
            for (var i = 0; i < 600; i++)
            {
                if (m.TryLock(TimeSpan.FromMilliseconds(1), out var g))
                {
                    g.Value++;
                    successes++;
                    g.Dispose();
                }
            }
        })
        { IsBackground = true, Name = "timed waiter" };
        waiter.Start();
        var random = new Random(5);
        while (waiter.IsAlive)
        {
            using (var g = m.Lock(TestTimeoutToken))
            {
                Thread.SpinWait(random.Next(5_000));
            }

            Thread.SpinWait(random.Next(500));
        }

        JoinOrFail(waiter);
        Assert.False(m.IsLocked);
        Assert.Equal(0, m.WaiterCount);
        using var final = m.Lock();
        Assert.Equal(successes, final.Value);
    }

    private static void ReleaseIfAcquired(Task<MutexGuard<int>> pending)
    {
        Assert.True(pending.IsCompletedSuccessfully || pending.IsCanceled, pending.Exception?.ToString());
        if (pending.IsCompletedSuccessfully)
        {
            var g = pending.GetAwaiter().GetResult();
            g.Dispose();
        }
    }

    /// <summary>Runs on a pool worker: releases (the queued waiter is Woken; its completion lands in this worker's
    /// local queue), barges straight back in, and signals.</summary>
    private sealed unsafe class BargeStep(nint mutex, int round, StrongBox<int> unlocked)
    {
        internal bool Barged;
        internal readonly ManualResetEventSlim Done = new();

        internal void Run()
        {
            RawMutex.Unlock((RawMutex*)mutex);
            Barged = RawMutex.TryLock((RawMutex*)mutex);
            Done.Set();
            Volatile.Write(ref unlocked.Value, round);
        }
    }

    private sealed class Counter
    {
        public int Inside;
        public int Total;
    }
}
