using System.Diagnostics;
using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Call-chain deadlocks are reported at once, name the chain, and leave the grains usable.</summary>
public sealed class GrainDeadlockTests : TestBase
{
    // The issue asks for "well under 100 ms"; the test checks a generous bound so a loaded CI machine does not
    // flake. The benchmark (src/PinSync.Bench/Runtime) measures the real figure.
    private static readonly TimeSpan GenerousReportBound = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("a,b,a")]
    [InlineData("a,b,c,a")]
    [InlineData("a,a")]
    public async Task Call_CycleBackToNonReentrantGrain_FailsAtOnceWithTheChain(string cycleSpec)
    {
        var cycle = cycleSpec.Split(',');
        var prefix = GrainEvents.NewKey("cycle");
        var keys = cycle.Select(k => prefix + k).ToArray();
        await using var runtime = new GrainRuntime();
        var first = runtime.GetGrain<IChainGrain>(keys[0]);

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<GrainDeadlockException>(() => WithTimeout(first.Call(keys, 1).AsTask()));
        watch.Stop();

        Assert.True(watch.Elapsed < GenerousReportBound, $"reported after {watch.Elapsed}");
        var expected = keys.Select(k => $"ChainGrain/{k}.Call").ToArray();
        Assert.Equal(expected, error.CallChain);
        Assert.Contains(string.Join(" -> ", expected), error.Message, StringComparison.Ordinal);

        // Usable afterwards: every grain of the cycle answers.
        foreach (var key in keys.Distinct())
        {
            Assert.Equal("done", await WithTimeout(runtime.GetGrain<IChainGrain>(key).Call([key], 1).AsTask()));
        }
    }

    [Fact]
    public async Task CallAllowingReentrancy_CycleBack_RunsInsteadOfFailing()
    {
        var a = GrainEvents.NewKey("a");
        var b = GrainEvents.NewKey("b");
        await using var runtime = new GrainRuntime();

        var result = await WithTimeout(runtime.GetGrain<IChainGrain>(a).CallAllowingReentrancy([a, b, a], 1).AsTask());

        Assert.Equal("done", result);
    }

    [Fact]
    public async Task CallPingThrough_CycleBackToAlwaysInterleaveMethod_Runs()
    {
        var a = GrainEvents.NewKey("a");
        var b = GrainEvents.NewKey("b");
        await using var runtime = new GrainRuntime();

        var result = await WithTimeout(runtime.GetGrain<IChainGrain>(a).CallPingThrough(b, a).AsTask());

        Assert.Equal("pong:" + a, result);
    }

    [Fact]
    public async Task Call_NoCycle_DoesNotReport()
    {
        var prefix = GrainEvents.NewKey("line");
        var keys = new[] { prefix + "a", prefix + "b", prefix + "c" };
        await using var runtime = new GrainRuntime();

        Assert.Equal("done", await WithTimeout(runtime.GetGrain<IChainGrain>(keys[0]).Call(keys, 1).AsTask()));
    }
}
