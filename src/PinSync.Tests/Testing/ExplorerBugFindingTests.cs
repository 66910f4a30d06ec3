using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>Known bugs are found by every strategy within a stated budget, their traces replay to the same bug,
/// and the correct twins pass.</summary>
public sealed class ExplorerBugFindingTests : TestBase
{
    private const int Budget = 500;

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_LostUpdateWithoutLock_FindsAssertionAndReplays(string strategy)
    {
        var report = ExplorerAssert.FindsBug(ExplorerTestPrograms.LostUpdate, BugKind.AssertionFailure,
            new ExplorerOptions { Iterations = Budget, Strategy = ExplorerTestPrograms.StrategyByName(strategy), Seed = 7 });

        Assert.Contains("lost update", report.Message, StringComparison.Ordinal);
        Assert.Contains("Interleave", report.ReadableTrace, StringComparison.Ordinal);
        Assert.StartsWith("pinsync-trace/1;", report.Trace, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_AtomicUpdate_NoBug(string strategy)
    {
        var report = ExplorerAssert.NoBugs(ExplorerTestPrograms.AtomicUpdate,
            new ExplorerOptions { Iterations = Budget, Strategy = ExplorerTestPrograms.StrategyByName(strategy), Seed = 7 });

        Assert.True(report.Iterations > 0);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_LostUpdateAcrossPlainAwait_FindsAssertionAndReplays(string strategy)
    {
        ExplorerAssert.FindsBug(ExplorerTestPrograms.LostUpdateAcrossAwait, BugKind.AssertionFailure,
            new ExplorerOptions { Iterations = Budget, Strategy = ExplorerTestPrograms.StrategyByName(strategy), Seed = 11 });
    }

    [Fact]
    public void Replay_SameTraceTwice_SameReadableSchedule()
    {
        var report = Explorer.Run(ExplorerTestPrograms.LostUpdate, new ExplorerOptions { Iterations = Budget, Seed = 3 });
        Assert.True(report.BugFound);

        var first = Explorer.Replay(report.Trace!, ExplorerTestPrograms.LostUpdate);
        var second = Explorer.Replay(report.Trace!, ExplorerTestPrograms.LostUpdate);

        Assert.Equal(report.ReadableTrace, first.ReadableTrace);
        Assert.Equal(first.ReadableTrace, second.ReadableTrace);
        Assert.Equal(report.Message, second.Message);
    }

    [Fact]
    public void Run_ExceptionInSpawnedOperation_ReportsUnhandledException()
    {
        var report = Explorer.Run(() =>
        {
            _ = Explorer.Spawn(() => throw new InvalidOperationException("boom"));
            return Task.CompletedTask;
        }, new ExplorerOptions { Iterations = 10, Seed = 1 });

        Assert.Equal(BugKind.UnhandledException, report.Kind);
        Assert.IsType<InvalidOperationException>(report.Exception);
        Assert.Contains("boom", report.Message, StringComparison.Ordinal);
    }
}
