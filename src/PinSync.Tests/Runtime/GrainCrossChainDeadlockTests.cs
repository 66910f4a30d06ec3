using System.Collections.Concurrent;
using System.Diagnostics;
using PinSync.Runtime;
using PinSync.Testing;
using PinSync.Tests.Runtime.Grains;
using Xunit.Abstractions;

namespace PinSync.Tests.Runtime;

/// <summary>
/// Deadlocks across independent call chains (A → B ∥ B → A): neither chain passes twice through a grain, so the
/// call-chain check cannot see them; the wait-for graph between activations reports them, also with no request
/// timeout at all.
/// </summary>
public sealed class GrainCrossChainDeadlockTests : TestBase
{
    // The issue asks for < 100 ms; the test bounds generously so a loaded CI machine does not flake, and prints the
    // figure.
    private static readonly TimeSpan GenerousReportBound = TimeSpan.FromSeconds(5);

    private readonly ITestOutputHelper _output;

    public GrainCrossChainDeadlockTests(ITestOutputHelper output) => _output = output;

    private static GrainRuntimeOptions NoTimeout() => new()
    {
        CollectionAge = Timeout.InfiniteTimeSpan,
        RequestTimeout = Timeout.InfiniteTimeSpan,
    };

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task CallAfterMeeting_RingOfIndependentChains_EveryChainFailsWithTheCycle(int grains)
    {
        var prefix = GrainEvents.NewKey("ring");
        var keys = Enumerable.Range(0, grains).Select(i => prefix + "-" + i).ToArray();
        var meeting = prefix + "-meeting";
        await using var runtime = new GrainRuntime(NoTimeout());

        // Chain i: keys[i].CallAfterMeeting -> keys[i + 1].Leaf; every first request runs before any Leaf is sent.
        var watch = Stopwatch.StartNew();
        var chains = keys.Select((key, i) => runtime.GetGrain<ICrossGrain>(key)
            .CallAfterMeeting(keys[(i + 1) % grains], meeting, grains).AsTask()).ToArray();
        var errors = new List<GrainDeadlockException>();
        foreach (var chain in chains)
        {
            errors.Add(await Assert.ThrowsAsync<GrainDeadlockException>(() => WithTimeout(chain)));
        }

        watch.Stop();
        _output.WriteLine($"{grains} chains reported after {watch.Elapsed.TotalMilliseconds:F1} ms (from the first call)");
        Assert.True(watch.Elapsed < GenerousReportBound, $"reported after {watch.Elapsed}");

        // The report names the whole cycle: each grain's running CallAfterMeeting and the Leaf it waits for.
        var expected = keys.SelectMany((key, i) => new[] { $"CrossGrain/{key}.CallAfterMeeting", $"CrossGrain/{keys[(i + 1) % grains]}.Leaf" });
        foreach (var error in errors)
        {
            Assert.True(error.IsAcrossChains);
            Assert.Equal(expected.Order(StringComparer.Ordinal), error.CallChain.Order(StringComparer.Ordinal));
            Assert.Contains("waits in the queue behind", error.Message, StringComparison.Ordinal);
        }

        // Usable afterwards.
        foreach (var key in keys)
        {
            Assert.Equal("leaf:" + key, await WithTimeout(runtime.GetGrain<ICrossGrain>(key).Leaf().AsTask()));
        }
    }

    [Fact]
    public async Task CallAfterMeeting_WithDefaultTimeout_ReportsTheCycleNotATimeout()
    {
        var a = GrainEvents.NewKey("a");
        var b = GrainEvents.NewKey("b");
        var meeting = GrainEvents.NewKey("meeting");
        await using var runtime = new GrainRuntime();

        var watch = Stopwatch.StartNew();
        var first = runtime.GetGrain<ICrossGrain>(a).CallAfterMeeting(b, meeting, 2).AsTask();
        var second = runtime.GetGrain<ICrossGrain>(b).CallAfterMeeting(a, meeting, 2).AsTask();

        Assert.True((await Assert.ThrowsAsync<GrainDeadlockException>(() => WithTimeout(first))).IsAcrossChains);
        Assert.True((await Assert.ThrowsAsync<GrainDeadlockException>(() => WithTimeout(second))).IsAcrossChains);
        _output.WriteLine($"reported after {watch.Elapsed.TotalMilliseconds:F1} ms (default 30 s request timeout)");
        Assert.True(watch.Elapsed < GenerousReportBound, $"reported after {watch.Elapsed}");
    }

    [Fact]
    public async Task CallAfterMeeting_LongWaitWithoutCycle_IsNotReported()
    {
        // a and c call b while b is held (longer than the sweep delay, several sweeps): they wait, nothing is a cycle.
        var a = GrainEvents.NewKey("a");
        var b = GrainEvents.NewKey("b");
        var c = GrainEvents.NewKey("c");
        var meeting = GrainEvents.NewKey("meeting");
        await using var runtime = new GrainRuntime(NoTimeout());
        var held = runtime.GetGrain<ICrossGrain>(b).Hold(b).AsTask();

        var first = runtime.GetGrain<ICrossGrain>(a).CallAfterMeeting(b, meeting, 2).AsTask();
        var second = runtime.GetGrain<ICrossGrain>(c).CallAfterMeeting(b, meeting, 2).AsTask();
        await WithTimeout(GrainEvents.For(meeting).Met.Task);
        await Task.Delay(PinSync.Runtime.Internal.Activation.DeadlockSweepDelay * 5);
        Assert.False(first.IsCompleted || second.IsCompleted, "a call waiting behind a held grain completed");

        GrainEvents.For(b).Gate.TrySetResult();
        Assert.Equal("held:" + b, await WithTimeout(held));
        Assert.Equal("leaf:" + b, await WithTimeout(first));
        Assert.Equal("leaf:" + b, await WithTimeout(second));
    }

    [Fact]
    public void CallAfterYield_TwoChainsUnderEverySchedule_EndWithTheReportOrAnAnswer()
    {
        // Under the explorer the sweep timer fires when nothing else can run: a schedule where both chains got in
        // each other's way ends with the report, never with the explorer's own "Deadlock" (a hang).
        var outcomes = new ConcurrentDictionary<string, int>();
        var report = Explorer.Run(async () =>
        {
            await using var runtime = new GrainRuntime(NoTimeout());
            string? first = null;
            string? second = null;
            await Task.WhenAll(
                Explorer.Spawn(async () => first = await Outcome(runtime.GetGrain<ICrossGrain>("a").CallAfterYield("b"))),
                Explorer.Spawn(async () => second = await Outcome(runtime.GetGrain<ICrossGrain>("b").CallAfterYield("a"))));
            var both = first + " " + second;
            Explorer.Assert(both is "leaf leaf" or "cycle cycle", "one chain answered and the other failed: " + both);
            outcomes.AddOrUpdate(both, 1, static (_, n) => n + 1);
        }, new ExplorerOptions { Iterations = 500, Seed = 17 });

        Assert.False(report.BugFound, report.ToString());
        _output.WriteLine(string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
        Assert.True(outcomes.ContainsKey("cycle cycle"), "no schedule made the chains deadlock");
        Assert.True(outcomes.ContainsKey("leaf leaf"), "no schedule let the chains pass each other");
    }

    private static async Task<string> Outcome(ValueTask<string> call)
    {
        try
        {
            var answer = await call;
            return answer.StartsWith("leaf:", StringComparison.Ordinal) ? "leaf" : answer;
        }
        catch (GrainDeadlockException error) when (error.IsAcrossChains && error.CallChain.Count == 4)
        {
            return "cycle";
        }
    }
}
