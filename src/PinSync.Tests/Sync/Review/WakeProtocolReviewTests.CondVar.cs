using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Sync.Review;

/// <summary>The condition-variable side of the wake-protocol review: async condition waits that end without a
/// notification re-take a contended mutex inside their waiter, and morphed waiters woken by unlocks compete.</summary>
public sealed partial class WakeProtocolReviewTests
{
    // ---- rule 4: an async condition wait that ends without a notification re-takes a contended mutex ----

    /// <summary>
    /// An async condition wait ends by timeout, cancellation or dispose of the condition variable while the mutex is
    /// contended (a blocking locker and a notifier race for it, and one barges): the waiter re-takes the mutex through
    /// the mutex's list (RelockForCondVar, then woken or handed over), completes exactly once with the outcome that
    /// ended the wait, holding the mutex under its own guard; nobody is stranded.
    /// </summary>
    [Theory]
    [MemberData(nameof(StrategiesAndEndings))]
    public void CondVarWaitAsyncEndedWithoutNotify_RetakesContendedMutexUnderItsGuard(string strategy, string ending)
    {
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            using var cancel = new CancellationTokenSource();
            var outcome = "none";
            var waiter = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                try
                {
                    var notified = await condVar.WaitAsync(guard, ending == "timeout" ? TimeSpan.FromMilliseconds(5) : Timeout.InfiniteTimeSpan, cancel.Token);
                    outcome = notified ? "notified" : "timeout";
                }
                catch (OperationCanceledException e)
                {
                    Explorer.Assert(e.CancellationToken == cancel.Token, "canceled with the wrong token");
                    outcome = "cancel";
                }
                catch (ObjectDisposedException)
                {
                    outcome = "dispose";
                }

                Explorer.Assert(guard.Acquired && mutex.IsLocked, $"condition wait ended ({outcome}) without the guard's acquisition");
                guard.Value++;
            });
            SpinUntil(() => condVar.WaiterCount == 1 || waiter.IsCompleted);

            var locker = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                guard.Value++;
            });
            var holder = await mutex.LockAsync();
            if (ending == "cancel")
            {
                cancel.Cancel();
            }
            else if (ending == "dispose")
            {
                condVar.Dispose();
            }

            SchedulingPoint.Interleave();
            ReleaseThenBargeOnce(mutex, holder);

            await Task.WhenAll(waiter, locker);
            Explorer.Assert(outcome == ending, $"ended with {outcome}, expected {ending}");
            AssertBothCountedThenDispose(mutex, condVar);
        }, Options(strategy));
    }

    /// <summary>A blocking and an async condition waiter are notified (NotifyAll) while the mutex is held and a
    /// newcomer barges: morphed nodes woken by unlocks compete (TryLockWoken / RetryWokenForCondVar) and re-queue at
    /// the head; every waiter ends holding the mutex exactly once.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void NotifyAllMorphedWaitersWithBarger_EveryWaiterRetakesTheMutex(string strategy)
    {
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            var ready = false;
            var blocking = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                while (!ready)
                {
                    condVar.Wait(guard);
                }

                Explorer.Assert(guard.Acquired, "blocking condition wait returned without its acquisition");
                guard.Value++;
            });
            var awaited = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                while (!ready)
                {
                    await condVar.WaitAsync(guard);
                }

                Explorer.Assert(guard.Acquired, "async condition wait returned without its acquisition");
                guard.Value++;
            });
            SpinUntil(() => condVar.WaiterCount == 2);

            var holder = await mutex.LockAsync();
            ready = true;
            condVar.NotifyAll();
            ReleaseThenBargeOnce(mutex, holder);

            await Task.WhenAll(blocking, awaited);
            AssertBothCountedThenDispose(mutex, condVar);
        }, Options(strategy));
    }

    /// <summary>The holder releases (waking a waiter to compete), then barges back in once if it can, letting others
    /// run while it holds the mutex again.</summary>
    private static void ReleaseThenBargeOnce(PinnedMutex<int> mutex, MutexGuard<int> holder)
    {
        holder.Dispose();
        if (mutex.TryLock(out holder))
        {
            SchedulingPoint.Interleave();
            holder.Dispose();
        }
    }

    /// <summary>Both waiters counted once, the mutex free with nobody queued; then both primitives are disposed.</summary>
    private static void AssertBothCountedThenDispose(PinnedMutex<int> mutex, PinSync.CondVar condVar)
    {
        Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
        using (var check = mutex.Lock())
        {
            Explorer.Assert(check.Value == 2, $"value {check.Value}");
        }

        condVar.Dispose();
        mutex.Dispose();
    }
}
