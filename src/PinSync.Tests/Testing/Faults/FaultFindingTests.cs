using PinSync.Testing;

namespace PinSync.Tests.Testing.Faults;

/// <summary>
/// Fault injection finds exception-safety defects, with a replayable trace, that no schedule without faults shows;
/// and the invariant checks catch a primitive left broken.
/// </summary>
public sealed class FaultFindingTests : TestBase
{
    public static TheoryData<string> Strategies => ["random", "pct", "dfs"];

    /// <summary>A permit leaks when the lock wait after it ends by an exception (no try/finally): found as
    /// <see cref="BugKind.InvariantViolation"/> ("permits not conserved") with faults on, by every strategy; the trace
    /// (with its <c>~</c> fault decision) replays to the same report.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void LeakyPermit_FoundWithFaultsAndReplays(string strategy)
    {
        var report = ExplorerAssert.FindsBug(LeakyPermit, BugKind.InvariantViolation, Options(strategy, FaultInjection.Interrupt));

        Assert.Contains("permits not conserved", report.Message, StringComparison.Ordinal);
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
            var a = new PinnedMutex<int>(0);
            var b = new PinnedMutex<int>(0);
            var first = Explorer.Spawn(() =>
            {
                using var ga = a.Lock();
                using var gb = b.Lock();
            });
            var second = Explorer.Spawn(() =>
            {
                using var gb = b.Lock();
                using var ga = a.Lock();
            });
            return Task.WhenAll(new[] { first, second });
        }, BugKind.Deadlock, new ExplorerOptions { Iterations = 500, Seed = 3, Strategy = Strategy.Random(), Faults = FaultInjection.Interrupt });

        Assert.DoesNotContain("Invariant violated", report.Message, StringComparison.Ordinal);
    }

    private static async Task LeakyPermit()
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
            using (var g = mutex.Lock())
            {
                g.Value++;
            }

            semaphore.Release(); // skipped when the Lock above throws: the permit leaks
        });
        await Task.WhenAll(new[] { holder, worker });
    }

    private static async Task SafePermit()
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
            try
            {
                using var g = mutex.Lock();
                g.Value++;
            }
            finally
            {
                semaphore.Release();
            }
        });
        await Task.WhenAll(new[] { holder, worker });
    }

    private static ExplorerOptions Options(string strategy, FaultInjection faults) => strategy == "dfs"
        ? new ExplorerOptions { Iterations = 5000, Strategy = Strategy.Dfs(2), Faults = faults }
        : new ExplorerOptions { Iterations = 1000, Strategy = ExplorerTestPrograms.StrategyByName(strategy), Seed = 5, Faults = faults };
}
