using PinSync.Scheduling;

namespace PinSync.Tests.Scheduling;

/// <summary>
/// The run-next slot (RunNextSlot.cs) on real pool threads. Each scenario has a side A whose continuation runs inside
/// a PinSync completion (it resumes from a <see cref="PinnedSemaphore"/> wait that the test thread releases, so the
/// completion is a pool work item) and that releases side B's wait from there: B's completion goes to A's slot. Each
/// runs in a child process (<see cref="RunNextSlotTests"/>): the switches some flip are process-wide, and in the test
/// host an explorer test that drives every thread would keep the slot closed meanwhile.
/// </summary>
internal static class RunNextScenarios
{
    private const int Runs = 20;

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    /// <summary>How many of <see cref="Runs"/> handoffs ran B from A's slot.</summary>
    internal static int CountHandoffsFromSlot()
    {
        var fromSlot = 0;
        for (var run = 0; run < Runs; run++)
        {
            var (a, b) = Handoff(onA: static () => { });
            Assert.True(a.Wait(Guard) && b.Wait(Guard), "A handoff did not finish.");
            fromSlot += b.Result ? 1 : 0;
        }

        return fromSlot;
    }

    /// <summary>The twin: with the slot switched off no completion runs from it.</summary>
    internal static void WithoutTheSlotNoHandoffRunsFromIt()
    {
        RunNextSlot.s_enabled = false;
        Assert.Equal(0, CountHandoffsFromSlot());
    }

    /// <summary>The AppContext switch turns the slot off for the process (set before the first wait).</summary>
    internal static void TheAppContextSwitchTurnsTheSlotOff()
    {
        AppContext.SetSwitch(RunNextSlot.DisableSwitch, true);
        Assert.Equal(0, CountHandoffsFromSlot());
    }

    /// <summary>A's continuation blocks (outside PinSync) until B has run: B must be rescued from A's slot. Every
    /// run must end; at least one must have gone through the rescue (B in the slot, not run from it).</summary>
    internal static void BlockedOwnerIsRescued()
    {
        // One handoff, then long enough for the rescue's timer to disarm itself: the runs below go through re-arming.
        var (a0, b0) = Handoff(onA: static () => { });
        Assert.True(a0.Wait(Guard) && b0.Wait(Guard), "A handoff did not finish.");
        Thread.Sleep(TimeSpan.FromMilliseconds(RunNextRescue.IdleTicks * RunNextRescue.TickMilliseconds * 4));

        var rescuedRuns = 0;
        for (var run = 0; run < Runs && rescuedRuns == 0; run++)
        {
            var rescuedBefore = RunNextRescue.Rescued;
            using var bRan = new ManualResetEventSlim();
            var blockedUntilB = false;
            var (a, b) = Handoff(onA: () => blockedUntilB = bRan.Wait(Guard), onB: bRan.Set);
            Assert.True(a.Wait(Guard) && b.Wait(Guard), "A handoff did not finish.");
            Assert.True(blockedUntilB, "B stayed in the slot of a thread blocked until B ran.");
            rescuedRuns += !b.Result && RunNextRescue.Rescued > rescuedBefore ? 1 : 0;
        }

        Assert.True(rescuedRuns > 0, "No run went through the rescue.");
    }

    /// <summary>The twin: without the rescue, B cannot run while A's continuation blocks (then A's wait gives up,
    /// and B runs from the slot once A's continuation returns).</summary>
    internal static void WithoutTheRescueBlockedOwnerStrandsItsSlot()
    {
        RunNextRescue.s_disabled = true;
        var strandedRuns = 0;
        for (var run = 0; run < Runs && strandedRuns == 0; run++)
        {
            using var bRan = new ManualResetEventSlim();
            var ranWhileBlocked = true;
            var (a, b) = Handoff(onA: () => ranWhileBlocked = bRan.Wait(TimeSpan.FromMilliseconds(300)), onB: bRan.Set);
            Assert.True(a.Wait(Guard) && b.Wait(Guard), "A handoff did not finish.");
            strandedRuns += !ranWhileBlocked && b.Result ? 1 : 0;
        }

        Assert.True(strandedRuns > 0, "B always ran while its slot's owner was blocked, with no rescue to move it.");
    }

    /// <summary>Rescue off: A's continuation blocks in a PinSync wait that only B ends. The park moves the slot to
    /// the thread pool first, so B runs and the wait ends.</summary>
    internal static void PinSyncParkFlushesTheSlot()
    {
        RunNextRescue.s_disabled = true;
        for (var run = 0; run < Runs; run++)
        {
            using var done = new PinnedSemaphore(0);
            var ended = false;
            var (a, b) = Handoff(onA: () => ended = done.Wait(Guard), onB: () => done.Release());
            Assert.True(a.Wait(Guard) && b.Wait(Guard), "A handoff did not finish.");
            Assert.True(ended, "A PinSync wait that only the slot's completion could end timed out.");
        }
    }

    /// <summary>A's raw continuation (not an async method: nothing restores what it leaves on the thread) sets an
    /// AsyncLocal and a SynchronizationContext and wakes B, whose raw continuation must see neither.</summary>
    internal static void AmbientStateDoesNotLeakIntoTheNextCompletion()
    {
        var local = new AsyncLocal<string?>();
        var checkedFromSlot = 0;
        for (var run = 0; run < Runs; run++)
        {
            using var aGate = new PinnedSemaphore(0);
            using var bGate = new PinnedSemaphore(0);
            var seen = new TaskCompletionSource<(string? Local, SynchronizationContext? Context, bool FromSlot)>(
                TaskCreationOptions.RunContinuationsAsynchronously);
            Task.Run(() =>
            {
                var wait = bGate.WaitAsync();
                wait.GetAwaiter().UnsafeOnCompleted(() =>
                {
                    wait.GetAwaiter().GetResult();
                    seen.SetResult((local.Value, SynchronizationContext.Current, RunNextSlot.RunningFromSlot));
                });
            }).Wait(Guard);
            Task.Run(() =>
            {
                var wait = aGate.WaitAsync();
                wait.GetAwaiter().UnsafeOnCompleted(() =>
                {
                    wait.GetAwaiter().GetResult();
                    local.Value = "leaked";
                    SynchronizationContext.SetSynchronizationContext(new SynchronizationContext());
                    bGate.Release();
                });
            }).Wait(Guard);
            aGate.Release();

            Assert.True(seen.Task.Wait(Guard), "B did not run.");
            var (value, context, fromSlot) = seen.Task.Result;
            Assert.Null(value);
            Assert.Null(context);
            checkedFromSlot += fromSlot ? 1 : 0;
        }

        Assert.True(checkedFromSlot > 0, "No run took B from the slot: the checks above never saw the case they are for.");
    }

    /// <summary>Two tasks hand a permit back and forth far past the slot's budget: every handoff completes (the
    /// budget's leftovers go to the thread pool).</summary>
    internal static void LongChainsPastTheBudgetComplete()
    {
        const int RoundTrips = 20 * RunNextSlot.Budget;
        using var ping = new PinnedSemaphore(0);
        using var pong = new PinnedSemaphore(0);
        var fromSlot = 0;
        var a = Task.Run(async () =>
        {
            for (var i = 0; i < RoundTrips; i++)
            {
                pong.Release();
                await ping.WaitAsync();
                fromSlot += RunNextSlot.RunningFromSlot ? 1 : 0;
            }
        });
        var b = Task.Run(async () =>
        {
            for (var i = 0; i < RoundTrips; i++)
            {
                await pong.WaitAsync();
                ping.Release();
            }
        });
        Assert.True(Task.WaitAll([a, b], Guard), "A chain of handoffs past the budget did not finish.");
        Assert.True(fromSlot > 0, "No handoff of the chain ran from the slot.");
    }

    /// <summary>A run where the slot is used: more than none of the handoffs ran from it.</summary>
    internal static void HandoffsRunFromTheSlot() =>
        Assert.True(CountHandoffsFromSlot() > 0, "No handoff ran from the slot.");

    /// <summary>
    /// Starts B (awaiting a semaphore), then A (awaiting another); releases A's from this thread. A's continuation
    /// releases B's semaphore and runs <paramref name="onA"/>; B's runs <paramref name="onB"/> and returns whether it
    /// ran from a slot.
    /// </summary>
    private static (Task A, Task<bool> B) Handoff(Action onA, Action? onB = null)
    {
        var aGate = new PinnedSemaphore(0);
        var bGate = new PinnedSemaphore(0);
        var b = Task.Run(async () =>
        {
            await bGate.WaitAsync();
            var fromSlot = RunNextSlot.RunningFromSlot;
            onB?.Invoke();
            return fromSlot;
        });
        Assert.True(SpinWait.SpinUntil(() => bGate.WaiterCount == 1, Guard), "B did not queue.");
        var a = Task.Run(async () =>
        {
            await aGate.WaitAsync();
            bGate.Release();
            onA();
        });
        Assert.True(SpinWait.SpinUntil(() => aGate.WaiterCount == 1, Guard), "A did not queue.");
        aGate.Release();
        return (a, b);
    }
}
