using PinSync.Testing;
using PinSync.Tests.Testing.Mutants;

namespace PinSync.Tests.Testing;

/// <summary>
/// The mutation suite: broken variants of our own primitives (src/PinSync.Tests/Testing/Mutants, built from the same
/// internal parts as the real ones, one injected bug each). Every mutant is found by PCT(3) within
/// <see cref="PctBudget"/> iterations and by DFS(2), and its trace replays to the same failure
/// (<see cref="ExplorerAssert.FindsBug(Func{Task}, BugKind?, ExplorerOptions?)"/>); the same program passes on the
/// real primitive and on the mutant's unbroken copy. The classic user bugs are checked the same way, against their
/// correct twins.
/// </summary>
public sealed class MutationSuiteTests : TestBase
{
    /// <summary>The stated PCT budget: every mutant and user bug is found within it (measured: see docs/explorer.md,
    /// "Mutation suite"; the worst median is far below it).</summary>
    internal const int PctBudget = 1000;

    private const int TwinPctIterations = 2000;
    private const int DfsIterations = 20_000;

    public static TheoryData<string> Mutants => [.. MutationPrograms.Mutants.Select(p => p.Name)];

    public static TheoryData<string> UserBugs => [.. MutationPrograms.UserBugs.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Mutants))]
    public void Mutant_Pct_FoundWithinBudgetAndReplays(string name)
    {
        var program = Find(name);
        var report = ExplorerAssert.FindsBug(program.Broken, program.Kind,
            new ExplorerOptions { Iterations = PctBudget, Strategy = Strategy.Pct(3), Seed = 7 });

        Assert.True(report.Iterations <= PctBudget, report.ToString());
    }

    [Theory]
    [MemberData(nameof(Mutants))]
    public void Mutant_Dfs2_FoundAndReplays(string name)
    {
        var program = Find(name);
        ExplorerAssert.FindsBug(program.Broken, program.Kind, new ExplorerOptions { Iterations = DfsIterations, Strategy = Strategy.Dfs(2) });
    }

    [Theory]
    [MemberData(nameof(Mutants))]
    public void Mutant_RealPrimitiveTwin_NoBugPctAndDfsCovered(string name) => AssertTwinPasses(Find(name).Twin);

    [Theory]
    [MemberData(nameof(Mutants))]
    public void Mutant_UnbrokenCopy_NoBugPctAndDfsCovered(string name) => AssertTwinPasses(Find(name).UnbrokenCopy!);

    [Theory]
    [MemberData(nameof(UserBugs))]
    public void UserBug_PctAndDfs2_FoundAndReplays(string name)
    {
        var program = Find(name);
        var report = ExplorerAssert.FindsBug(program.Broken, program.Kind,
            new ExplorerOptions { Iterations = PctBudget, Strategy = Strategy.Pct(3), Seed = 7 });
        Assert.True(report.Iterations <= PctBudget, report.ToString());
        ExplorerAssert.FindsBug(program.Broken, program.Kind, new ExplorerOptions { Iterations = DfsIterations, Strategy = Strategy.Dfs(2) });
    }

    [Theory]
    [MemberData(nameof(UserBugs))]
    public void UserBug_CorrectTwin_NoBugPctAndDfsCovered(string name) => AssertTwinPasses(Find(name).Twin);

    [Fact]
    public void Mutant_TraceOfFailure_ReplaysStepForStepWithSameReadableLog()
    {
        var program = Find("mutex-clear-waiters-bit");
        var report = ExplorerAssert.FindsBug(program.Broken, BugKind.Deadlock,
            new ExplorerOptions { Iterations = PctBudget, Strategy = Strategy.Pct(3), Seed = 11 });

        var replay = Explorer.Replay(report.Trace!, program.Broken);

        Assert.Equal(report.Kind, replay.Kind);
        Assert.Equal(report.Message, replay.Message);
        Assert.Equal(report.ReadableTrace, replay.ReadableTrace);
    }

    internal static MutationPrograms.Program Find(string name) =>
        MutationPrograms.Mutants.Concat(MutationPrograms.UserBugs).Single(p => p.Name == name);

    private static void AssertTwinPasses(Func<Task> twin)
    {
        ExplorerAssert.NoBugs(twin, new ExplorerOptions { Iterations = TwinPctIterations, Strategy = Strategy.Pct(3), Seed = 7 });
        var dfs = ExplorerAssert.NoBugs(twin, new ExplorerOptions { Iterations = DfsIterations, Strategy = Strategy.Dfs(2) });
        Assert.True(dfs.SpaceCovered, dfs.ToString());
    }
}
