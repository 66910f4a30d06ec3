using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>
/// The mutex's notified-waiter slot (RawMutex.NotifiedSlot.cs) under the explorer: an async condition waiter notified
/// while its mutex is held, with nobody else queued, waits in a slot instead of on the mutex's list, and the holder's
/// unlock wakes it. Each program checks that the slot was used in some schedule (not vacuous), the correct protocol
/// passes, and each mutant of it is found with a trace that replays.
/// </summary>
public sealed partial class PrimitivePropertyTests
{
    private const int SlotPctIterations = 600;

    /// <summary>Two async tasks hand a turn back and forth (notify under the lock, one side with a timed wait racing
    /// the notification) while a third task locks once: no wakeup is lost, every turn is taken exactly once, and the
    /// mutex ends free with nobody queued and the slot empty.</summary>
    /// <remarks>PCT and random walks: the space is too large for DFS to cover.</remarks>
    [Theory]
    [InlineData("pct")]
    [InlineData("random")]
    public void CondVar_NotifiedSlot_PingPongWithLockerAndTimeoutNeverLosesAWake(string strategy)
    {
        var slotUsed = 0;
        AssertNoBugs(async () =>
        {
            if (await SlotPingPongProgram(RawMutex.SlotMutant.None))
            {
                slotUsed++;
            }
        }, SlotOptions(strategy));

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot: the test saw nothing");
    }

    /// <summary>A release that empties the slot without waking its waiter: found (the other side never gets its turn).</summary>
    [Fact]
    public void CondVar_NotifiedSlotReleaseDroppingTheWaiter_Found() =>
        ExplorerAssert.FindsBug(async () => await SlotPingPongProgram(RawMutex.SlotMutant.ReleaseDropsWaiter), null,
            SlotOptions("pct"));

    /// <summary>The holder notifies an async waiter into the slot, then (racing a Dispose of the mutex that another
    /// task issues) waits for that waiter to finish before it unlocks: Dispose fails the slot's waiter with
    /// <see cref="ObjectDisposedException"/> at once, as it fails every queued waiter; the waiter does not hold the
    /// disposed mutex afterwards.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void CondVar_NotifiedSlot_MutexDisposeFailsTheSlotsWaiter(string strategy)
    {
        var slotUsed = 0;
        AssertNoBugs(async () =>
        {
            if (await SlotDisposeProgram(RawMutex.SlotMutant.None))
            {
                slotUsed++;
            }
        }, SlotOptions(strategy));

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot: the test saw nothing");
    }

    /// <summary>A Dispose that leaves the slot to the holder's unlock: found (the holder waits for a waiter that never
    /// fails).</summary>
    [Fact]
    public void CondVar_NotifiedSlotDisposeSkippingTheSlot_Found() =>
        ExplorerAssert.FindsBug(async () => await SlotDisposeProgram(RawMutex.SlotMutant.DisposeSkipsSlot), null,
            SlotOptions("pct"));

    /// <summary>With fault injection on a blocking locker that queues after the notification: the slot's waiter,
    /// notified first, takes the mutex before that locker (FIFO, as on the list), whatever waits the faults cut short;
    /// the explorer's end-of-schedule check finds every list, the slot and the state word clean.</summary>
    [Theory]
    [InlineData("pct", FaultInjection.Interrupt)]
    [InlineData("pct", FaultInjection.Exception)]
    [InlineData("dfs", FaultInjection.Interrupt)]
    public void CondVar_NotifiedSlot_WaiterNotifiedFirstGoesFirstUnderFaults(string strategy, FaultInjection faults)
    {
        int slotUsed = 0, faulted = 0;
        AssertNoBugs(async () =>
        {
            var (inSlot, cutShort) = await SlotOrderProgram(RawMutex.SlotMutant.None);
            slotUsed += inSlot ? 1 : 0;
            faulted += cutShort ? 1 : 0;
        }, SlotOptions(strategy, faults));

        Assert.True(slotUsed > 0, "no schedule parked a notified waiter in the slot: the test saw nothing");
        Assert.True(faulted > 0, "no schedule cut the locker's wait short: the faults proved nothing");
    }

    /// <summary>A release that moves the slot's waiter behind a locker that queued after its notification: found.</summary>
    [Fact]
    public void CondVar_NotifiedSlotFlushedToTheTail_Found() =>
        ExplorerAssert.FindsBug(async () => await SlotOrderProgram(RawMutex.SlotMutant.FlushAtTail),
            BugKind.AssertionFailure, SlotOptions("pct"));

    private static ExplorerOptions SlotOptions(string strategy, FaultInjection faults = default) => strategy == "dfs"
        ? new ExplorerOptions { Iterations = 20_000, Strategy = Strategy.Dfs(1), Faults = faults }
        : new ExplorerOptions
        {
            Iterations = SlotPctIterations,
            Strategy = ExplorerTestPrograms.StrategyByName(strategy),
            Seed = 2026,
            Faults = faults,
        };

    private static unsafe bool InSlot(PinnedMutex<int> mutex) => RawMutex.HasNotifiedWaiter(mutex.Raw);

    private static unsafe void SetMutant(PinnedMutex<int> mutex, RawMutex.SlotMutant mutant)
    {
        RawMutex.s_slotMutant = mutant;
        RawMutex.s_slotMutantFor = mutant == RawMutex.SlotMutant.None ? 0 : (nint)mutex.Raw;
    }

    private static void ClearMutant()
    {
        RawMutex.s_slotMutantFor = 0;
        RawMutex.s_slotMutant = RawMutex.SlotMutant.None;
    }

    /// <summary>Returns whether a notification parked its waiter in the slot.</summary>
    private static async Task<bool> SlotPingPongProgram(RawMutex.SlotMutant mutant)
    {
        const int Turns = 2;
        var mutex = new PinnedMutex<int>(0);
        var condVar = new PinSync.CondVar();
        SetMutant(mutex, mutant);
        try
        {
            var slotUsed = false;
            var timedOut = 0;
            Task Side(int mine, bool timed) => Explorer.Spawn(async () =>
            {
                for (var turn = 0; turn < Turns; turn++)
                {
                    using var guard = await mutex.LockAsync();
                    while (guard.Value % 2 != mine)
                    {
                        if (timed)
                        {
                            if (!await condVar.WaitAsync(guard, TimeSpan.FromMilliseconds(5)))
                            {
                                timedOut++;
                            }
                        }
                        else
                        {
                            await condVar.WaitAsync(guard);
                        }

                        Explorer.Assert(guard.Acquired && mutex.IsLocked, "WaitAsync returned without the lock");
                    }

                    guard.Value++;
                    condVar.NotifyOne();
                    slotUsed |= InSlot(mutex);
                }
            });

            var a = Side(0, timed: false);
            var b = Side(1, timed: true);
            var locker = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value += 100;
            });
            await Task.WhenAll(a, b, locker);

            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0 && !InSlot(mutex), $"left behind: {mutex}");
            using (var check = mutex.Lock())
            {
                Explorer.Assert(check.Value == (2 * Turns) + 100, $"value {check.Value}, {timedOut} timeouts");
            }

            condVar.Dispose();
            mutex.Dispose();
            return slotUsed;
        }
        finally
        {
            ClearMutant();
        }
    }

    /// <summary>Returns whether the notification parked its waiter in the slot.</summary>
    private static async Task<bool> SlotDisposeProgram(RawMutex.SlotMutant mutant)
    {
        var mutex = new PinnedMutex<int>(0);
        var condVar = new PinSync.CondVar();
        SetMutant(mutex, mutant);
        try
        {
            var ready = false;
            var failed = false;
            var waiter = Explorer.Spawn(async () =>
            {
                var guard = await mutex.LockAsync();
                try
                {
                    while (!ready)
                    {
                        await condVar.WaitAsync(guard);
                    }
                }
                catch (ObjectDisposedException)
                {
                    Explorer.Assert(!guard.Acquired, "the guard claims a disposed mutex it no longer holds");
                    failed = true;
                }
                finally
                {
                    if (guard.Acquired)
                    {
                        guard.Dispose();
                    }
                }
            });
            SpinUntil(() => condVar.WaiterCount == 1);

            var holder = await mutex.LockAsync();
            var disposer = Explorer.Spawn(mutex.Dispose);
            ready = true;
            condVar.NotifyOne();
            var slotUsed = InSlot(mutex);

            // Holding the mutex: only Dispose can end the waiter's wait now (the list or the slot, it fails it).
            if (!failed)
            {
                await waiter;
            }

            holder.Dispose();
            await Task.WhenAll(waiter, disposer);
            Explorer.Assert(failed, "the waiter returned normally from a mutex disposed while it waited for it");
            Explorer.Assert(!InSlot(mutex) && mutex.WaiterCount == 0, $"left behind: {mutex}");
            condVar.Dispose();
            return slotUsed;
        }
        finally
        {
            ClearMutant();
        }
    }

    /// <summary>Returns whether the notification parked its waiter in the slot, and whether a fault cut the locker's
    /// wait short.</summary>
    private static async Task<(bool SlotUsed, bool CutShort)> SlotOrderProgram(RawMutex.SlotMutant mutant)
    {
        var mutex = new PinnedMutex<int>(0);
        var condVar = new PinSync.CondVar();
        SetMutant(mutex, mutant);
        try
        {
            var ready = false;
            var order = string.Empty;
            var cutShort = 0;
            var waiter = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                while (!ready)
                {
                    await condVar.WaitAsync(guard);
                }

                order += "W";
            });
            SpinUntil(() => condVar.WaiterCount == 1);

            var holder = await mutex.LockAsync();
            ready = true;
            condVar.NotifyOne();
            var slotUsed = InSlot(mutex);
            var locker = Explorer.Spawn(() =>
            {
                while (true)
                {
                    try
                    {
                        using var guard = mutex.Lock();
                        order += "L";
                        return;
                    }
                    catch (Exception exception) when (exception is ThreadInterruptedException or InjectedFaultException)
                    {
                        cutShort++;
                    }
                }
            });
            SpinUntil(() => mutex.WaiterCount == 2 || cutShort > 0);
            holder.Dispose();
            await Task.WhenAll(waiter, locker);

            // A fault lets the locker come back as a new (barging) locker: the order then promises nothing.
            Explorer.Assert(cutShort > 0 || order == "WL", $"the waiter notified first went {order}");
            Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
            condVar.Dispose();
            mutex.Dispose();
            return (slotUsed, cutShort > 0);
        }
        finally
        {
            ClearMutant();
        }
    }
}
