using PinSync.Scheduling;
using PinSync.Testing;
using PinSync.Tests.Testing.Mutants;

namespace PinSync.Tests.Testing;

/// <summary>
/// Property suites of the real primitives under the explorer: PCT (2000 iterations; more with PINSYNC_STRESS=1) and
/// DFS with two preemptions on 2–3-operation configurations. Each property has a systematic test; classic user bugs
/// on the same primitives are found and replayed.
/// </summary>
public sealed class PrimitiveSystematicTests : TestBase
{
    private static readonly int s_pctIterations = Environment.GetEnvironmentVariable("PINSYNC_STRESS") == "1" ? 50_000 : 2000;

    public static TheoryData<string> Strategies => ["pct", "dfs"];

    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_SyncAndAsyncLockers_MutualExclusionAndClean(string strategy) => AssertNoBugs(async () =>
    {
        using var mutex = new PinnedMutex<int>(0);
        var inside = 0;
        void Critical(ref int value)
        {
            Explorer.Assert(++inside == 1, "two operations inside the mutex");
            var read = value;
            SchedulingPoint.Interleave();
            value = read + 1;
            inside--;
        }

        var a = Explorer.Spawn(async () =>
        {
            using var guard = await mutex.LockAsync();
            Critical(ref guard.Value);
        });
        var b = Explorer.Spawn(() =>
        {
            using var guard = mutex.Lock();
            Critical(ref guard.Value);
        });
        await Task.WhenAll(a, b);
        Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"left behind: {mutex}");
        using var last = mutex.Lock();
        Explorer.Assert(last.Value == 2, $"lost update: {last.Value}");
    }, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_TimedLockRacingUnlock_GrantNeverLostOrDoubled(string strategy) => AssertNoBugs(async () =>
    {
        using var mutex = new PinnedMutex<int>(0);
        var holder = await mutex.LockAsync();
        var waiter = Explorer.Spawn(async () =>
        {
            using var guard = await mutex.TryLockAsync(TimeSpan.FromMilliseconds(5));
            if (guard.Acquired)
            {
                guard.Value++;
            }
        });
        SchedulingPoint.Interleave();
        holder.Dispose();
        await waiter;
        Explorer.Assert(!mutex.IsLocked && mutex.WaiterCount == 0, $"grant lost or waiter left: {mutex}");
    }, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedSemaphore_ThreeOperationsTwoPermits_NeverAboveMaxAndRestored(string strategy) => AssertNoBugs(async () =>
    {
        using var semaphore = new PinnedSemaphore(2, 2);
        var inside = 0;
        async Task UseAsync()
        {
            await semaphore.WaitAsync();
            Explorer.Assert(++inside <= 2, "three holders of a two-permit semaphore");
            SchedulingPoint.Interleave();
            inside--;
            semaphore.Release();
        }

        void Use()
        {
            semaphore.Wait();
            Explorer.Assert(++inside <= 2, "three holders of a two-permit semaphore");
            SchedulingPoint.Interleave();
            inside--;
            semaphore.Release();
        }

        await Task.WhenAll(Explorer.Spawn(UseAsync), Explorer.Spawn(Use), Explorer.Spawn(UseAsync));
        Explorer.Assert(semaphore.CurrentCount == 2 && semaphore.WaiterCount == 0, $"permits not restored: {semaphore}");
    }, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void CondVar_NotifyBeforeOrAfterWait_NoLostWakeup(string strategy) => AssertNoBugs(async () =>
    {
        using var mutex = new PinnedMutex<bool>(false);
        using var ready = new CondVar();
        var consumer = Explorer.Spawn(() =>
        {
            using var guard = mutex.Lock();
            while (!guard.Value)
            {
                ready.Wait(guard);
            }
        });
        var producer = Explorer.Spawn(async () =>
        {
            using var guard = await mutex.LockAsync();
            guard.Value = true;
            ready.NotifyOne();
        });
        await Task.WhenAll(consumer, producer);
    }, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void WaitQueue_WakeAllAfterFlag_NoLostWakeup(string strategy) => AssertNoBugs(async () =>
    {
        using var queue = new WaitQueue();
        var flag = false;
        var sync = Explorer.Spawn(() => queue.WaitUntil(() => Volatile.Read(ref flag)));
        var async = Explorer.Spawn(async () => await queue.WaitUntilAsync(() => Volatile.Read(ref flag)));
        Volatile.Write(ref flag, true);
        queue.WakeAll();
        await Task.WhenAll(sync, async);
    }, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_AbBaLockOrder_FindsDeadlock(string strategy)
    {
        var report = ExplorerAssert.FindsBug(async () =>
        {
            using var first = new PinnedMutex<int>(0);
            using var second = new PinnedMutex<int>(0);
            var a = Explorer.Spawn(() =>
            {
                using var g1 = first.Lock();
                using var g2 = second.Lock();
            });
            var b = Explorer.Spawn(async () =>
            {
                using var g2 = await second.LockAsync();
                using var g1 = await first.LockAsync();
            });
            await Task.WhenAll(a, b);
        }, BugKind.Deadlock, Options(strategy));

        Assert.Contains("mutex#", report.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void CondVar_IfInsteadOfWhileWithTwoConsumers_FindsAssertion(string strategy) =>
        ExplorerAssert.FindsBug(() => MutationPrograms.TwoConsumers(useWhile: false), BugKind.AssertionFailure, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void CondVar_WhileWithTwoConsumers_NoBug(string strategy) => AssertNoBugs(() => MutationPrograms.TwoConsumers(useWhile: true), Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedMutex_CheckThenActAcrossTwoSections_FindsOverdraft(string strategy) => ExplorerAssert.FindsBug(async () =>
    {
        using var account = new PinnedMutex<int>(100);
        void Withdraw()
        {
            bool enough;
            using (var guard = account.Lock())
            {
                enough = guard.Value >= 80;
            }

            if (enough)
            {
                using var guard = account.Lock();
                guard.Value -= 80;
            }
        }

        await Task.WhenAll(Explorer.Spawn(Withdraw), Explorer.Spawn(Withdraw));
        using var final = account.Lock();
        Explorer.Assert(final.Value >= 0, $"overdraft: {final.Value}");
    }, BugKind.AssertionFailure, Options(strategy));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void WaitQueue_FlagSetWithoutWake_FindsMissedNotify(string strategy) => ExplorerAssert.FindsBug(async () =>
    {
        using var queue = new WaitQueue();
        var flag = false;
        var waiter = Explorer.Spawn(() => queue.WaitUntil(() => Volatile.Read(ref flag)));
        SchedulingPoint.Interleave();
        Volatile.Write(ref flag, true); // missing: queue.WakeAll()
        await waiter;
    }, BugKind.Deadlock, Options(strategy));

    private static void AssertNoBugs(Func<Task> body, ExplorerOptions options)
    {
        var report = ExplorerAssert.NoBugs(body, options);
        Assert.True(!options.Strategy.IsExhaustive || report.SpaceCovered, $"DFS did not cover the space: {report}");
    }

    private static ExplorerOptions Options(string strategy) => strategy == "dfs"
        ? new ExplorerOptions { Iterations = 20_000, Strategy = Strategy.Dfs(2) }
        : new ExplorerOptions { Iterations = s_pctIterations, Strategy = Strategy.Pct(3), Seed = 2024 };
}
