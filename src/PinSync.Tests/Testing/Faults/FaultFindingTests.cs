using PinSync.Testing;
using PinSync.Tests.Sync.ExceptionSafety;

namespace PinSync.Tests.Testing.Faults;

/// <summary>
/// Fault injection finds exception-safety defects, with a replayable trace, that no schedule without faults shows;
/// and the invariant checks catch a primitive left broken.
/// </summary>
public sealed class FaultFindingTests : TestBase
{
    public static TheoryData<string> Strategies => ["random", "pct", "dfs"];

    /// <summary>A permit leaks when the lock wait after it ends by an exception (no try/finally): found as
    /// <see cref="BugKind.InvariantViolation"/> ("permit(s) still held") with faults on, by every strategy; the trace
    /// (with its <c>~</c> fault decision) replays to the same report.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void LeakyPermit_FoundWithFaultsAndReplays(string strategy)
    {
        var report = ExplorerAssert.FindsBug(LeakyPermit, BugKind.InvariantViolation, Options(strategy, FaultInjection.Interrupt));

        Assert.Contains("permit(s) still held", report.Message, StringComparison.Ordinal);
        Assert.Contains("~", report.Trace, StringComparison.Ordinal);
        Assert.Contains("injects ThreadInterruptedException", report.ReadableTrace, StringComparison.Ordinal);
    }

    /// <summary>Without faults, the same program passes every schedule: only fault injection finds the leak.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void LeakyPermit_WithoutFaults_NotFound(string strategy) =>
        ExplorerAssert.NoBugs(LeakyPermit, Options(strategy, FaultInjection.None) is var o
            ? new ExplorerOptions { Iterations = o.Iterations, Strategy = o.Strategy, Seed = o.Seed, CheckInvariants = true }
            : null);

    /// <summary>The correct twin (release in a finally) passes with faults on.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void SafePermit_WithFaults_NoBug(string strategy) =>
        ExplorerAssert.NoBugs(SafePermit, Options(strategy, FaultInjection.Exception));

    /// <summary>A flow that leaves the mutex locked fails the invariant check when it is on, and passes when it is
    /// off (a program may hold a lock past an iteration on purpose).</summary>
    [Fact]
    public void MutexLeftLocked_InvariantCheck_ReportsItOnlyWhenOn()
    {
        Task Body()
        {
            var mutex = new PinnedMutex<int>(0);
            return Explorer.Spawn(() => _ = mutex.TryLock(out _));
        }

        var on = Explorer.Run(Body, new ExplorerOptions { Iterations = 5, Seed = 1, CheckInvariants = true });
        Assert.Equal(BugKind.InvariantViolation, on.Kind);
        Assert.Contains("still locked", on.Message, StringComparison.Ordinal);

        var off = Explorer.Run(Body, new ExplorerOptions { Iterations = 5, Seed = 1 });
        Assert.False(off.BugFound, off.ToString());
    }

    /// <summary>A fault injected into a waiter of a deadlocked pair is still a decision of the trace, and a run with
    /// faults still reports a true deadlock (faults are offered only while some operation can run).</summary>
    [Fact]
    public void Deadlock_WithFaultsOn_StillReportedWithTrace()
    {
        var report = ExplorerAssert.FindsBug(() =>
        {
            var probe = new TeardownScenarios.Probe();
            return TeardownScenarios.BlockingAbba(probe)();
        }, BugKind.Deadlock, new ExplorerOptions { Iterations = 500, Seed = 3, Strategy = Strategy.Random(), Faults = FaultInjection.Interrupt });

        Assert.DoesNotContain("Invariant violated", report.Message, StringComparison.Ordinal);
    }

    /// <summary>A semaphore used as a signal (made empty, released by a producer, taken by fewer consumers than
    /// permits, one of them timed) ends at another count than it began with: that is no leak, and the probe's ledger
    /// (initial + released − handed out) must not call it one, with faults on or off. (The first probe compared the
    /// count with the initial one and reported "permits not conserved" here.)</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void SignalSemaphore_CountChanges_NoFalseInvariantViolation(string strategy)
    {
        var options = Options(strategy, FaultInjection.Interrupt | FaultInjection.Exception);
        var cutShort = 0;
        async Task Body()
        {
            var signal = new PinnedSemaphore(0);
            var blocking = Explorer.Spawn(() =>
            {
                try
                {
                    _ = signal.Wait(TimeSpan.FromMilliseconds(5));
                }
                catch (Exception exception) when (exception is ThreadInterruptedException or InjectedFaultException)
                {
                    cutShort++;
                }
            });
            var awaiting = Explorer.Spawn(async () => _ = await signal.WaitAsync(TimeSpan.FromMilliseconds(5)));
            signal.Release(2);
            await Task.WhenAll(new[] { blocking, awaiting });
            Explorer.Assert(signal.CurrentCount is >= 0 and <= 2, $"count {signal.CurrentCount}");
        }

        ExplorerAssert.NoBugs(Body, options);
        ExplorerAssert.NoBugs(Body, new ExplorerOptions { Iterations = options.Iterations, Strategy = options.Strategy, Seed = options.Seed, CheckInvariants = true });
        Assert.True(cutShort > 0, "no fault was injected into the blocking consumer");
    }

    /// <summary>A mutex disposed while a flow still holds it is not "still locked": its state bits say nothing once
    /// nobody may take it again (only its list is checked).</summary>
    [Fact]
    public void DisposedMutex_HeldAtDispose_NotReportedAsLeft()
    {
        var report = Explorer.Run(async () =>
        {
            var mutex = new PinnedMutex<int>(0);
            var holder = await mutex.LockAsync();
            mutex.Dispose();
            await Task.Yield();
            _ = holder;
        }, new ExplorerOptions { Iterations = 20, Seed = 1, CheckInvariants = true });

        Assert.False(report.BugFound, report.ToString());
    }

    private static Task LeakyPermit() => PermitThenLock(leaky: true);

    private static Task SafePermit() => PermitThenLock(leaky: false);

    /// <summary>A worker takes a permit, then a mutex another flow holds across an await, then gives the permit back:
    /// after the lock section (<paramref name="leaky"/>: skipped when the lock wait throws, so the permit leaks) or in
    /// a finally.</summary>
    private static async Task PermitThenLock(bool leaky)
    {
        var semaphore = new PinnedSemaphore(1, 1);
        var mutex = new PinnedMutex<int>(0);
        var holder = Explorer.Spawn(async () =>
        {
            using var g = await mutex.LockAsync();
            await Task.Yield();
        });
        var worker = Explorer.Spawn(() =>
        {
            semaphore.Wait();
            var released = false;
            try
            {
                using (var g = mutex.Lock())
                {
                    g.Value++;
                }

                semaphore.Release();
                released = true;
            }
            finally
            {
                if (!leaky && !released)
                {
                    semaphore.Release();
                }
            }
        });
        await Task.WhenAll(new[] { holder, worker });
    }

    private static ExplorerOptions Options(string strategy, FaultInjection faults) => strategy == "dfs"
        ? new ExplorerOptions { Iterations = 5000, Strategy = Strategy.Dfs(2), Faults = faults }
        : new ExplorerOptions { Iterations = 1000, Strategy = ExplorerTestPrograms.StrategyByName(strategy), Seed = 5, Faults = faults };
}
