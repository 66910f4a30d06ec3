using Microsoft.Coyote.Rewriting;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PinSync.Coyote.Tests;

/// <summary>
/// Coyote 1.7.11 with the PinSync.Coyote adapter, in strict mode (no partially controlled concurrency, no fuzzing
/// fallback): correct programs are clean for every strategy, and every known bug is found by every strategy and
/// replays from its trace.
/// </summary>
public sealed class CoyoteProgramTests
{
    private const uint Seed = 20_261_206;

    public static TheoryData<string, string> CorrectCases() => Cases(Programs.Correct);

    public static TheoryData<string, string> BugCases() => Cases(Programs.Bugs);

    [Theory]
    [MemberData(nameof(CorrectCases))]
    public void CorrectProgramIsClean(string program, string strategy)
    {
        var body = Programs.Correct.Single(p => p.Name == program).Body(Host.Coyote);
        var iterations = Strategies.Stress ? 20_000u : 1_000u;

        var result = PinSyncCoyote.Test(body, Strategies.Strict(strategy, iterations, Seed));

        Assert.False(result.BugFound, $"{program} / {strategy}: false report at iteration {result.Iterations}: {result.FirstBug}\n{result.ReadableTrace}");
        Assert.Equal((int)iterations, result.Iterations);
        Assert.Empty(result.Report.UncontrolledInvocations);
    }

    [Theory]
    [MemberData(nameof(BugCases))]
    public void KnownBugIsFoundAndReplays(string program, string strategy)
    {
        var body = Programs.Bugs.Single(p => p.Name == program).Body(Host.Coyote);

        var found = PinSyncCoyote.Test(body, Strategies.Strict(strategy, 1_000, Seed));

        Assert.True(found.BugFound, $"{program} / {strategy}: not found in {found.Iterations} iterations");
        Assert.False(string.IsNullOrEmpty(found.ReproducibleTrace));

        var replay = PinSyncCoyote.Test(body, Strategies.Strict(strategy, 1, Seed).WithReproducibleTrace(found.ReproducibleTrace));

        Assert.True(replay.BugFound, $"{program} / {strategy}: the trace did not replay the bug: {found.FirstBug}");
        Assert.Equal(FirstLine(found.FirstBug), FirstLine(replay.FirstBug));
    }

    [Fact]
    public void OnlyTheTestAssemblyIsRewritten()
    {
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(CoyoteProgramTests).Assembly), "the MSBuild rewrite step did not run");
        Assert.False(RewritingEngine.IsAssemblyRewritten(typeof(PinnedMutex<>).Assembly), "PinSync.dll must stay as shipped");
        Assert.False(RewritingEngine.IsAssemblyRewritten(typeof(PinSyncCoyote).Assembly), "the adapter must never be rewritten");
    }

    private static TheoryData<string, string> Cases(Programs.Program[] programs)
    {
        var data = new TheoryData<string, string>();
        foreach (var program in programs)
        {
            foreach (var strategy in Strategies.Names)
            {
                data.Add(program.Name, strategy);
            }
        }

        return data;
    }

    private static string? FirstLine(string? text) => text?.Split('\n')[0].Trim();
}
