using PinSync.Scheduling;
using PinSync.Testing;
using PinSync.Tests.Testing.Toys;

namespace PinSync.Tests.Testing;

/// <summary>Classic bugs on the toy seam primitives (blocking and async), found by each strategy and replayed; the
/// correct twins pass. Also: timeouts race grants in both directions, and exact outcome sets under DFS.</summary>
public sealed class ToyPrimitiveBugTests : TestBase
{
    private const int Budget = 1000;

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_AbBaLockOrder_FindsDeadlockNamingBothWaits(string strategy)
    {
        var report = ExplorerAssert.FindsBug(() => LockTwo(sameOrder: false), BugKind.Deadlock, Options(strategy));

        Assert.Contains("is blocked in EnterLock(mutex#1)", report.Message, StringComparison.Ordinal);
        Assert.Contains("is blocked in EnterLock(mutex#2)", report.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_SameLockOrder_NoBug(string strategy) => ExplorerAssert.NoBugs(() => LockTwo(sameOrder: true), Options(strategy));

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_CheckThenActAcrossTwoLockSections_FindsOverdraft(string strategy) =>
        ExplorerAssert.FindsBug(() => Withdrawals(atomic: false), BugKind.AssertionFailure, Options(strategy));

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_CheckAndActInOneLockSection_NoBug(string strategy) =>
        ExplorerAssert.NoBugs(() => Withdrawals(atomic: true), Options(strategy));

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_TimeoutThatLosesTheGrant_FindsStuckLock(string strategy) =>
        ExplorerAssert.FindsBug(() => TimedAsyncLock(loseGrant: true), expected: null, Options(strategy));

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_TimeoutThatKeepsTheGrant_NoBug(string strategy) =>
        ExplorerAssert.NoBugs(() => TimedAsyncLock(loseGrant: false), Options(strategy));

    [Fact]
    public void Run_TimedBlockingWaitAgainstRelease_ExploresBothOutcomes()
    {
        var outcomes = new HashSet<bool>();
        var report = ExplorerAssert.NoBugs(async () =>
        {
            var gate = new ToyLock();
            gate.Enter();
            var waiter = Explorer.Spawn(() =>
            {
                var acquired = gate.TryEnter(TimeSpan.FromMilliseconds(50));
                outcomes.Add(acquired);
                if (acquired)
                {
                    gate.Exit();
                }
            });
            SchedulingPoint.Interleave();
            gate.Exit();
            await waiter;
            Explorer.Assert(gate.WaiterCount == 0, "a timed-out waiter stayed queued");
        }, new ExplorerOptions { Iterations = 400, Strategy = Strategy.Dfs(2) });

        Assert.True(report.SpaceCovered);
        Assert.Equal([false, true], outcomes.Order());
    }

    [Fact]
    public void Run_ThreeAsyncWaitersUnderDfs_ObservesExactlyAllSixFifoOrders()
    {
        var orders = new HashSet<string>();
        var report = ExplorerAssert.NoBugs(async () =>
        {
            var gate = new ToyAsyncLock();
            await gate.LockAsync();
            var order = string.Empty;
            async Task Waiter(char name)
            {
                await gate.LockAsync();
                order += name;
                gate.Unlock();
            }

            var waiters = new[] { Explorer.Spawn(() => Waiter('a')), Explorer.Spawn(() => Waiter('b')), Explorer.Spawn(() => Waiter('c')) };
            await Explorer.Delay(TimeSpan.FromSeconds(1)); // runs once every waiter is queued: nothing else can run then
            gate.Unlock();
            await Task.WhenAll(waiters);
            orders.Add(order);
        }, new ExplorerOptions { Iterations = 20_000, Strategy = Strategy.Dfs(1) });

        Assert.True(report.SpaceCovered, report.ToString());
        Assert.Equal(["abc", "acb", "bac", "bca", "cab", "cba"], orders.Order(StringComparer.Ordinal));
    }

    private static ExplorerOptions Options(string strategy) =>
        new() { Iterations = Budget, Strategy = ExplorerTestPrograms.StrategyByName(strategy), Seed = 42 };

    private static Task LockTwo(bool sameOrder)
    {
        var first = new ToyLock();
        var second = new ToyLock();
        void Take(ToyLock a, ToyLock b)
        {
            a.Enter();
            b.Enter();
            b.Exit();
            a.Exit();
        }

        return Task.WhenAll(Explorer.Spawn(() => Take(first, second)), Explorer.Spawn(() => Take(sameOrder ? first : second, sameOrder ? second : first)));
    }

    private static async Task Withdrawals(bool atomic)
    {
        var gate = new ToyLock();
        var balance = 100;
        void Withdraw()
        {
            gate.Enter();
            var enough = balance >= 80;
            if (!atomic)
            {
                gate.Exit();
                gate.Enter();
            }

            if (enough)
            {
                balance -= 80;
            }

            gate.Exit();
        }

        await Task.WhenAll(Explorer.Spawn(Withdraw), Explorer.Spawn(Withdraw));
        Explorer.Assert(balance >= 0, $"overdraft: balance is {balance}");
    }

    private static async Task TimedAsyncLock(bool loseGrant)
    {
        var gate = new ToyAsyncLock { LoseGrantOnTimeout = loseGrant };
        await gate.LockAsync();
        var waiter = Explorer.Spawn(async () =>
        {
            if (await gate.LockAsync(TimeSpan.FromMilliseconds(10)))
            {
                gate.Unlock();
            }
        });
        SchedulingPoint.Interleave();
        gate.Unlock();
        await waiter;
        Explorer.Assert(await gate.LockAsync(TimeSpan.FromSeconds(1)), "the lock was never released: a timeout lost a grant");
        gate.Unlock();
    }
}
