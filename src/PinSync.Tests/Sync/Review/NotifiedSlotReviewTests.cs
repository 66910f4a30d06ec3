using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Sync.Review;

/// <summary>
/// Review of the mutex's notified-waiter slot (RawMutex.NotifiedSlot.cs): an async condition waiter notified while
/// its mutex is held, with nobody queued, waits in a one-waiter slot that the holder's unlock serves. Each program
/// races the slot's waiter with something the author's tests do not combine with it — NotifyAll over several waiters
/// (one slot, the rest on the list), lockers of both kinds queuing at the notification, the waiter's own timeout and
/// token, a mutex Dispose with a locker queued, deferred wakes, the starvation handoff in virtual time, fault injection —
/// with the explorer's invariant check after every schedule. A lost wakeup is a deadlock report, a doubled mutex a
/// failed exclusion assertion; each program also asserts the slot was used in some schedule (not vacuous).
/// </summary>
public sealed partial class NotifiedSlotReviewTests : TestBase
{
    public static TheoryData<string> Strategies => new() { "pct", "dfs" };

    /// <summary>
    /// NotifyAll under the lock with three async waiters and one blocking waiter: one async waiter takes the slot, the
    /// others are morphed onto the list behind it. Every waiter re-takes the mutex exactly once, in exclusion, in
    /// notification order (the slot's waiter first: the flush links it at the head; a mutant linking it at the tail
    /// fails here), and WaiterCount right after the notification counts all three (slot included).
    /// </summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void NotifyAll_OneSlotManyWaiters_EachReacquiresOnceAndSlotWaiterFirst(string strategy)
    {
        var slotUsed = 0;
        Run(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            var go = false;
            var inside = 0;
            var order = string.Empty;

            Task Async(char name) => Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                while (!go)
                {
                    await condVar.WaitAsync(guard);
                }

                Explorer.Assert(++inside == 1, "two holders at once");
                order += name;
                inside--;
            });

            // One at a time, so the condition variable's order is a, b, s: a gets the slot, b and s the list.
            var a = Async('a');
            SpinUntil(() => condVar.WaiterCount == 1);
            var b = Async('b');
            SpinUntil(() => condVar.WaiterCount == 2);
            var blocking = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                while (!go)
                {
                    condVar.Wait(guard);
                }

                Explorer.Assert(++inside == 1, "two holders at once");
                order += 's';
                inside--;
            });
            SpinUntil(() => condVar.WaiterCount == 3);

            var inSlot = false;
            using (var holder = await mutex.LockAsync())
            {
                go = true;
                condVar.NotifyAll();
                inSlot = RawMutexProbe.InSlot(mutex);
                Explorer.Assert(mutex.IsLocked && mutex.WaiterCount == 3, $"after NotifyAll: {mutex}");
            }

            await Task.WhenAll(a, b, blocking);
            Explorer.Assert(order == "abs", $"order {order}: the notified waiters did not re-take the mutex in notification order");
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && !RawMutexProbe.InSlot(mutex), $"left behind: {mutex}");
            if (inSlot)
            {
                slotUsed++;
            }

            condVar.Dispose();
            mutex.Dispose();
        }, strategy, dfsBound: 1);

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot");
    }

    /// <summary>
    /// A ping-pong through the slot with the waiter's own timeout and token racing each notification, while a blocking
    /// and an async locker queue at the moment of the notification: a wait ends holding the mutex on every outcome
    /// (notified, timed out, canceled), no turn is lost or doubled, and the mutex ends clean.
    /// </summary>
    [Theory]
    [InlineData("pct", FaultInjection.None)]
    [InlineData("pct", FaultInjection.Interrupt)]
    [InlineData("random", FaultInjection.Exception)]
    public void Slot_TimeoutAndTokenRacingNotify_LockersQueuing_NoTurnLost(string strategy, FaultInjection faults)
    {
        var slotUsed = 0;
        ExplorerAssert.NoBugs(async () =>
        {
            const int Turns = 3;
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            using var cts = new CancellationTokenSource();
            var used = false;
            var lockers = 0;
            var timeouts = 0;

            Task Side(int mine, bool tokened) => Explorer.Spawn(async () =>
            {
                for (var turn = 0; turn < Turns; turn++)
                {
                    using var guard = await mutex.LockAsync();
                    while (guard.Value % 2 != mine)
                    {
                        try
                        {
                            if (tokened && !cts.IsCancellationRequested)
                            {
                                await condVar.WaitAsync(guard, cts.Token);
                            }
                            else if (timeouts < 3)
                            {
                                // A bounded number of timeouts: a timed wait that re-waits forever keeps its flow enabled,
                                // which an unfair strategy (PCT) can run forever past a queued completion (a livelock report).
                                timeouts += await condVar.WaitAsync(guard, TimeSpan.FromMilliseconds(2)) ? 0 : 1;
                            }
                            else
                            {
                                await condVar.WaitAsync(guard);
                            }
                        }
                        catch (OperationCanceledException)
                        {
                            // canceled: the mutex is held again, the loop re-checks (and waits without the token:
                            // a canceled token ends every later wait at once, a spin without a scheduling point)
                        }

                        Explorer.Assert(guard.Acquired && mutex.IsLocked, "a condition wait returned without the mutex");
                    }

                    guard.Value++;
                    condVar.NotifyOne();
                    used |= RawMutexProbe.InSlot(mutex);
                }
            });

            var a = Side(0, tokened: true);
            var b = Side(1, tokened: false);
            var blocking = Explorer.Spawn(() =>
            {
                while (true)
                {
                    try
                    {
                        using var guard = mutex.Lock();
                        guard.Value += 100;
                        lockers++;
                        return;
                    }
                    catch (Exception exception) when (exception is ThreadInterruptedException or InjectedFaultException)
                    {
                        // cut short by a fault: it holds nothing; try again
                    }
                }
            });
            var asyncLocker = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value += 100;
                lockers++;
            });
            var canceler = Explorer.Spawn(cts.Cancel);
            await Task.WhenAll(a, b, blocking, asyncLocker, canceler);

            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && !RawMutexProbe.InSlot(mutex), $"left behind: {mutex}");
            using (var check = mutex.Lock())
            {
                Explorer.Assert(check.Value == (2 * Turns) + 200 && lockers == 2, $"value {check.Value}, lockers {lockers}");
            }

            slotUsed += used ? 1 : 0;
            condVar.Dispose();
            mutex.Dispose();
        }, new ExplorerOptions
        {
            Iterations = 400,
            Strategy = strategy == "random" ? Strategy.Random() : Strategy.Pct(3),
            Seed = 77,
            Faults = faults,
            CheckInvariants = true,
        });

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot");
    }

    /// <summary>
    /// The holder notifies into the slot, a blocking locker queues behind it, and another flow disposes the mutex while
    /// the holder unlocks: the slot's waiter either re-takes the mutex (served before Dispose) or gets
    /// ObjectDisposedException without it; the locker likewise; the holder's unlock never throws; nobody is left in
    /// the slot or on the list.
    /// </summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void Slot_DisposeRacingUnlockWithLockerQueued_EveryoneEndsOnce(string strategy)
    {
        var slotUsed = 0;
        Run(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            var go = false;
            var ended = 0;
            var waiter = Explorer.Spawn(async () =>
            {
                MutexGuard<int> guard = default;
                try
                {
                    guard = await mutex.LockAsync();
                    while (!go)
                    {
                        await condVar.WaitAsync(guard);
                    }

                    Explorer.Assert(guard.Acquired, "returned without the mutex");
                }
                catch (ObjectDisposedException)
                {
                    Explorer.Assert(!guard.Acquired, "the guard claims a disposed mutex it no longer holds");
                }
                finally
                {
                    if (guard.Acquired)
                    {
                        guard.Dispose();
                    }

                    ended++;
                }
            });
            SpinUntil(() => condVar.WaiterCount == 1);

            var holder = await mutex.LockAsync();
            go = true;
            condVar.NotifyOne();
            var inSlot = RawMutexProbe.InSlot(mutex);
            var locker = Explorer.Spawn(() =>
            {
                try
                {
                    using var guard = mutex.Lock();
                }
                catch (ObjectDisposedException)
                {
                }

                ended++;
            });
            var disposer = Explorer.Spawn(mutex.Dispose);
            holder.Dispose();
            await Task.WhenAll(waiter, locker, disposer);

            Explorer.Assert(ended == 2, $"{ended} of 2 ended");
            Explorer.Assert(!RawMutexProbe.InSlot(mutex) && mutex.WaiterCount == 0, $"left behind: {mutex}");
            slotUsed += inSlot ? 1 : 0;
            condVar.Dispose();
        }, strategy, dfsBound: 1);

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot");
    }

    /// <summary>
    /// Deferred wakes next to the slot: an async locker with a timeout loses races to a barging holder (its wakes are
    /// deferred to the exit check) and may time out and leave, which clears HasWaiters and lets the barger's next
    /// notification use the slot. No waiter sleeps on a free mutex (a deadlock report), and everything ends clean.
    /// </summary>
    [Fact]
    public void Slot_WithDeferredWakeAndTimedLocker_NobodySleepsOnAFreeMutex()
    {
        var slotUsed = 0;
        ExplorerAssert.NoBugs(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            var used = false;
            var go = false;
            var waiter = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                while (!go)
                {
                    await condVar.WaitAsync(guard);
                }

                guard.Value++;
            });
            SpinUntil(() => condVar.WaiterCount == 1);
            var timed = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.TryLockAsync(TimeSpan.FromMilliseconds(1));
                if (guard.Acquired)
                {
                    guard.Value += 10;
                }
            });
            var plain = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value += 100;
            });
            var barger = Explorer.Spawn(async () =>
            {
                for (var i = 0; i < 3; i++)
                {
                    using var guard = await mutex.LockAsync();
                    if (i == 1)
                    {
                        go = true;
                        condVar.NotifyOne();
                        used |= RawMutexProbe.InSlot(mutex);
                    }
                }
            });
            await Task.WhenAll(waiter, timed, plain, barger);
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && !RawMutexProbe.InSlot(mutex), $"left behind: {mutex}");
            using (var check = mutex.Lock())
            {
                Explorer.Assert(check.Value % 10 == 1 && check.Value >= 101, $"value {check.Value}");
            }

            slotUsed += used ? 1 : 0;
            condVar.Dispose();
            mutex.Dispose();
        }, new ExplorerOptions { Iterations = 600, Strategy = Strategy.Pct(3), Seed = 91, CheckInvariants = true });

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot");
    }

    /// <summary>
    /// The starvation handoff with the slot full: an async locker queues behind the slot's waiter and the holder keeps
    /// the mutex past <see cref="RawMutex.StarvationThreshold"/> in virtual time; a newcomer races the unlocks. The
    /// slot's waiter goes before the locker (flushed to the head, notified first) — the newcomer may barge past the slot's
    /// waiter, which has not waited past the bound — and, once the locker is at the head past the bound, it is handed
    /// the mutex: the order is W, L, n or n, W, L, never W, n, L.
    /// </summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void Slot_FullWhileLockerStarves_HandoffOrderKept(string strategy)
    {
        var slotUsed = 0;
        Run(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var condVar = new PinSync.CondVar();
            var go = false;
            var order = string.Empty;
            var waiter = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                while (!go)
                {
                    await condVar.WaitAsync(guard);
                }

                order += "W";
                await Explorer.Delay(RawMutex.StarvationThreshold * 3);
            });
            SpinUntil(() => condVar.WaiterCount == 1);

            var holder = await mutex.LockAsync();
            go = true;
            condVar.NotifyOne();
            var inSlot = RawMutexProbe.InSlot(mutex);
            var locker = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                order += "L";
            });
            SpinUntil(() => mutex.WaiterCount == 2);
            await Explorer.Delay(RawMutex.StarvationThreshold * 3);
            var newcomer = Explorer.Spawn(async () =>
            {
                SchedulingPoint.Yield();
                using var guard = await mutex.LockAsync();
                order += "n";
            });
            holder.Dispose();
            await Task.WhenAll(waiter, locker, newcomer);

            Explorer.Assert(order is "WLn" or "nWL", $"order {order}: the waiter notified first lost its place, or a locker past the starvation bound was barged past");
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
            slotUsed += inSlot ? 1 : 0;
            condVar.Dispose();
            mutex.Dispose();
        }, strategy, dfsBound: 1);

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot");
    }

    /// <summary>
    /// Two condition variables on one mutex, notified at the same moment by flows that do not hold the mutex, while a
    /// third flow holds it and unlocks: the two claims race for the one slot (the loser goes to the list), and each
    /// races the holder's unlock (fast swap or slow path). Both waiters re-take the mutex, in exclusion; nothing is left
    /// in the slot or on the list.
    /// </summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void TwoCondVarsOneMutex_ClaimsRaceEachOtherAndTheUnlock_BothWaitersReacquire(string strategy)
    {
        var slotUsed = 0;
        Run(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var first = new PinSync.CondVar();
            var second = new PinSync.CondVar();
            var go = false;
            var inside = 0;
            var done = 0;
            var used = false;

            Task Waiter(PinSync.CondVar condVar) => Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                while (!go)
                {
                    await condVar.WaitAsync(guard);
                }

                Explorer.Assert(++inside == 1, "two holders at once");
                done++;
                inside--;
            });

            var a = Waiter(first);
            var b = Waiter(second);
            SpinUntil(() => first.WaiterCount == 1 && second.WaiterCount == 1);
            var holder = await mutex.LockAsync();
            go = true;
            var n1 = Explorer.Spawn(() =>
            {
                first.NotifyOne();
                used |= RawMutexProbe.InSlot(mutex);
            });
            var n2 = Explorer.Spawn(() =>
            {
                second.NotifyOne();
                used |= RawMutexProbe.InSlot(mutex);
            });
            SchedulingPoint.Yield();
            holder.Dispose();
            await Task.WhenAll(a, b, n1, n2);

            Explorer.Assert(done == 2, $"{done} of 2 waiters re-took the mutex");
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && !RawMutexProbe.InSlot(mutex), $"left behind: {mutex}");
            slotUsed += used ? 1 : 0;
            first.Dispose();
            second.Dispose();
            mutex.Dispose();
        }, strategy, dfsBound: 1);

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot");
    }

    private static void Run(Func<Task> body, string strategy, int dfsBound)
    {
        var options = strategy == "dfs"
            ? new ExplorerOptions { Iterations = 20_000, Strategy = Strategy.Dfs(dfsBound), CheckInvariants = true }
            : new ExplorerOptions { Iterations = 500, Strategy = Strategy.Pct(3), Seed = 2027, CheckInvariants = true };
        var report = ExplorerAssert.NoBugs(body, options);
        Assert.True(!options.Strategy.IsExhaustive || report.SpaceCovered, $"DFS did not cover the space: {report}");
    }

    private static void SpinUntil(Func<bool> done)
    {
        while (!done())
        {
            SchedulingPoint.Yield();
        }
    }

    private static async Task WaitUntil(Func<bool> done)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (!done())
        {
            Assert.True(Environment.TickCount64 < deadline, "timed out waiting for the condition");
            await Task.Delay(1);
        }
    }

    private static class RawMutexProbe
    {
        public static unsafe bool InSlot<T>(PinnedMutex<T> mutex) => RawMutex.HasNotifiedWaiter(mutex.Raw);
    }
}
