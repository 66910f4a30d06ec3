using System.Collections.Concurrent;
using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Sync.Review;

/// <summary>
/// Review of the condition variable's cheaper paths: NotifyOne/NotifyAll return without the wait lock when no waiter
/// is counted (RawCondVar.NobodyCounted), a notified waiter whose mutex is free is woken without the mutex's wait lock
/// (RawMutex.MorphOrWake), a notified waiter that empties the mutex's list is woken without WakePending
/// (RawMutex.UnlockSlow), and the async waiter's completion handshake marks an inline consumption through a
/// thread-static instead of an interlocked step (AsyncWaiter.Finish/GetResult). A lost notification or wakeup shows up
/// as a deadlock report; a waiter completed twice or recycled under its own completion as a wrong count, an
/// exception, or a hang.
/// </summary>
public sealed class CondVarFastPathReviewTests : TestBase
{
    public static TheoryData<string, bool> StrategiesAndFlavors => new()
    {
        { "pct", false }, { "pct", true }, { "dfs", false }, { "dfs", true },
    };

    /// <summary>
    /// Two consumers (one blocking, one awaited) wait for items; the producer adds each item under the mutex and
    /// notifies after the unlock (<paramref name="notifyAll"/>: NotifyAll). The notify reads the waiter count without
    /// the condition variable's lock, racing a consumer that is counting itself, and usually finds the mutex free
    /// (woken without the mutex's lock). A notification owed to a counted waiter must never be lost: every consumer
    /// gets its item.
    /// </summary>
    [Theory]
    [MemberData(nameof(StrategiesAndFlavors))]
    public void NotifyAfterUnlock_RacingWaitersCountingThemselves_NoNotificationLost(string strategy, bool notifyAll)
    {
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            var consumed = 0;
            var blocking = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                while (guard.Value == 0)
                {
                    condVar.Wait(guard);
                }

                guard.Value--;
                consumed++;
            });
            var awaited = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                while (guard.Value == 0)
                {
                    await condVar.WaitAsync(guard);
                }

                guard.Value--;
                consumed++;
            });
            var producer = Explorer.Spawn(async () =>
            {
                for (var i = 0; i < 2; i++)
                {
                    using (var guard = await mutex.LockAsync())
                    {
                        guard.Value++;
                    }

                    if (notifyAll)
                    {
                        condVar.NotifyAll();
                    }
                    else
                    {
                        condVar.NotifyOne();
                    }
                }
            });
            await Task.WhenAll(blocking, awaited, producer);
            Explorer.Assert(consumed == 2, $"consumed {consumed}");
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && condVar.WaiterCount == 0, $"left behind: {mutex}");
        }, Options(strategy));
    }

    /// <summary>
    /// Two condition waiters (blocking and awaited) are notified by NotifyAll right after the notifier's unlock: both
    /// are woken to compete without WakePending (free mutex, no lock) while a blocking locker and an async locker
    /// barge in and queue. Several woken waiters are in flight at once, each clearing a WakePending that may belong
    /// to another; no wakeup may be lost (every party ends, the counter is exact), and the mutex ends free with
    /// nothing queued and no wake pending.
    /// </summary>
    [Theory]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void NotifyAllAfterUnlock_SeveralWokenInFlightWithLockers_EveryPartyGetsTheMutex(string strategy)
    {
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            var ready = false;
            var blockingWaiter = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                while (!ready)
                {
                    condVar.Wait(guard);
                }

                guard.Value++;
            });
            var awaitedWaiter = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                while (!ready)
                {
                    await condVar.WaitAsync(guard);
                }

                guard.Value++;
            });
            SpinUntil(() => condVar.WaiterCount == 2);

            var blockingLocker = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                guard.Value++;
            });
            var asyncLocker = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value++;
            });
            using (var guard = await mutex.LockAsync())
            {
                ready = true;
            }

            condVar.NotifyAll();
            await Task.WhenAll(blockingWaiter, awaitedWaiter, blockingLocker, asyncLocker);
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && condVar.WaiterCount == 0, $"left behind: {mutex}");
            Explorer.Assert(mutex.TryLock(out var last), $"a free mutex could not be taken: {mutex}");
            Explorer.Assert(last.Value == 4, $"value {last.Value} after four critical sections");
            last.Dispose();
        }, new ExplorerOptions
        {
            Iterations = strategy == "dfs" ? 3_000 : 400,
            Strategy = strategy == "dfs" ? Strategy.Dfs(2) : Strategy.Pct(3),
            Seed = 79,
            Faults = FaultInjection.None,
            CheckInvariants = true,
        });
    }

    /// <summary>
    /// Real threads: the awaiting side runs under a <see cref="SynchronizationContext"/>, so an async waiter's
    /// completion posts its continuation there instead of running it inline — either inline in Post on the completing
    /// thread itself (<paramref name="otherThread"/> false: GetResult inside Finish on the same thread, the
    /// thread-static path) or onto a dedicated thread that runs it at once, racing the completion's unwind (the
    /// interlocked path). Each continuation starts the next contended wait at once (renting a waiter while the last
    /// one's completion is still on a stack). Two parties ping-pong a turn counter through a mutex and a condition
    /// variable: every round must arrive exactly once, in order, with no exception and no hang.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AwaitedWaitsUnderASynchronizationContext_PingPong_EveryRoundOnce(bool otherThread)
    {
        const int Rounds = 2000;
        using var mutex = new PinnedMutex<int>(0);
        using var condVar = new PinSync.CondVar();
        using var context = otherThread ? new DedicatedThreadContext() : null;
        var capture = otherThread ? context! : (SynchronizationContext)new InlineContext();

        async Task Party(int parity)
        {
            for (var i = 0; i < Rounds; i++)
            {
                using var guard = await mutex.LockAsync();
                while ((guard.Value & 1) != parity)
                {
                    await condVar.WaitAsync(guard);
                }

                guard.Value++;
                condVar.NotifyOne();
            }
        }

        Task Start(int parity)
        {
            var started = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
            capture.Post(_ => started.SetResult(Party(parity)), null);
            return started.Task.Unwrap();
        }

        await WithTimeout(Task.WhenAll(Start(0), Start(1)));
        using var last = mutex.Lock();
        Assert.Equal(2 * Rounds, last.Value);
    }

    /// <summary>Runs every posted callback inline, on the posting thread, with itself as the current context.</summary>
    private sealed class InlineContext : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state)
        {
            var previous = Current;
            SetSynchronizationContext(this);
            try
            {
                d(state);
            }
            finally
            {
                SetSynchronizationContext(previous);
            }
        }
    }

    /// <summary>Runs posted callbacks on one dedicated thread, in order, as soon as they arrive.</summary>
    private sealed class DedicatedThreadContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback, object?)> _queue = new();
        private readonly Thread _thread;

        public DedicatedThreadContext()
        {
            _thread = new Thread(() =>
            {
                SetSynchronizationContext(this);
                foreach (var (callback, state) in _queue.GetConsumingEnumerable())
                {
                    callback(state);
                }
            }) { IsBackground = true, Name = "review sync context" };
            _thread.Start();
        }

        public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

        public void Dispose()
        {
            _queue.CompleteAdding();
            _thread.Join(UnexpectedTimeout);
            _queue.Dispose();
        }
    }

    private static void SpinUntil(Func<bool> done)
    {
        while (!done())
        {
            SchedulingPoint.Yield();
        }
    }

    // The invariant check (mutex free, nobody queued, no wake pending after every schedule) is on without faults too.
    private static ExplorerOptions Options(string strategy) => strategy == "dfs"
        ? new ExplorerOptions { Iterations = 3_000, Strategy = Strategy.Dfs(2), CheckInvariants = true }
        : new ExplorerOptions { Iterations = 400, Strategy = Strategy.Pct(3), Seed = 77, CheckInvariants = true };
}
