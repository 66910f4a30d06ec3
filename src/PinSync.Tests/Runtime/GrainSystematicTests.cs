using System.Collections.Concurrent;
using PinSync.Runtime;
using PinSync.Testing;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>
/// Grain programs under the explorer: every turn is a seam work item, so the explorer schedules the runtime's
/// dispatch and the exact set of outcomes can be checked.
/// </summary>
public sealed class GrainSystematicTests : TestBase
{
    private static readonly string[] s_serialLogs = ["a<a>b<b>", "b<b>a<a>"];

    // Interleaved, but in FIFO turn order: the continuation queued first resumes first, so "a<b<b>a>" (b resuming
    // before a although a yielded first) is not a possible outcome.
    private static readonly string[] s_reentrantLogs = ["a<a>b<b>", "b<b>a<a>", "a<b<a>b>", "b<a<b>a>"];

    // No request timeout: on the explorer's virtual clock a timeout may fire at any step (the explorer explores
    // "the timeout came first" too), which these tests are not about. Timeouts have their own tests.
    private static GrainRuntimeOptions Options() => new()
    {
        CollectionAge = Timeout.InfiniteTimeSpan,
        RequestTimeout = Timeout.InfiniteTimeSpan,
    };

    [Fact]
    public void Append_NonReentrantGrainTwoCallers_ExactlyTheSerialOutcomes() =>
        Assert.Equal(s_serialLogs.Order(), TwoAppendsOutcomes(runtime =>
        {
            var grain = runtime.GetGrain<ICounterGrain>("g");
            return (grain.Append, grain.Log);
        }));

    [Fact]
    public void Append_ReentrantGrainTwoCallers_ExactlySerialAndFifoInterleavedOutcomes() =>
        Assert.Equal(s_reentrantLogs.Order(), TwoAppendsOutcomes(runtime =>
        {
            var grain = runtime.GetGrain<IReentrantCounterGrain>("g");
            return (grain.Append, grain.Log);
        }));

    /// <summary>Every schedule (DFS) of two callers appending "a" and "b" to one grain: the logs seen, in order.</summary>
    private static IEnumerable<string> TwoAppendsOutcomes(Func<GrainRuntime, (Func<string, Task> Append, Func<Task<string>> Log)> bind)
    {
        var outcomes = new ConcurrentDictionary<string, byte>();
        var report = Explorer.Run(async () =>
        {
            await using var runtime = new GrainRuntime(Options());
            var (append, log) = bind(runtime);
            var a = Explorer.Spawn(() => append("a"));
            var b = Explorer.Spawn(() => append("b"));
            await Task.WhenAll(a, b);
            outcomes.TryAdd(await log(), 0);
        }, new ExplorerOptions { Iterations = 2000, Strategy = Strategy.Dfs(2), Seed = 1 });

        Assert.False(report.BugFound, report.ToString());
        return outcomes.Keys.Order();
    }

    [Fact]
    public void Increment_ThreeCallersNonReentrant_NoLostUpdateAndOneTurnAtATime()
    {
        ExplorerAssert.NoBugs(async () =>
        {
            await using var runtime = new GrainRuntime(Options());
            var grain = runtime.GetGrain<ICounterGrain>("g");
            var callers = Enumerable.Range(0, 3).Select(_ => Explorer.Spawn(async () => await grain.Increment())).ToArray();
            await Task.WhenAll(callers);
            Explorer.Assert(await grain.Get() == 3, "lost update: turns of two requests interleaved");
            var (threadViolations, maxRequestsInside) = await grain.Probe();
            Explorer.Assert(threadViolations == 0 && maxRequestsInside == 1, "two requests inside a non-reentrant grain");
        }, new ExplorerOptions { Iterations = 300, Seed = 7 });
    }

    [Fact]
    public void Call_CycleUnderEverySchedule_AlwaysGrainDeadlockException()
    {
        ExplorerAssert.NoBugs(async () =>
        {
            await using var runtime = new GrainRuntime(Options());
            var a = runtime.GetGrain<IChainGrain>("a");
            var other = Explorer.Spawn(async () => await runtime.GetGrain<IChainGrain>("c").Call(["c", "b"], 1));
            try
            {
                await a.Call(["a", "b", "a"], 1);
                Explorer.Assert(false, "the cycle a -> b -> a completed");
            }
            catch (GrainDeadlockException error)
            {
                Explorer.Assert(error.CallChain.Count == 3, "the chain names three hops");
            }

            await other;
        }, new ExplorerOptions { Iterations = 300, Seed = 11 });
    }

    [Fact]
    public void Increment_ReentrantGrainReadAwaitWrite_LostUpdateFoundAndReplayed()
    {
        // A reentrant grain whose increment reads, awaits, then writes loses updates when two requests interleave
        // at the await: the explorer must find that schedule, and its trace must replay to the same bug.
        static async Task Body()
        {
            await using var runtime = new GrainRuntime(Options());
            var grain = runtime.GetGrain<IReentrantLostUpdateGrain>("g");
            await Task.WhenAll(Explorer.Spawn(async () => await grain.Increment()), Explorer.Spawn(async () => await grain.Increment()));
            Explorer.Assert(await grain.Get() == 2, "lost update");
        }

        var report = Explorer.Run(Body, new ExplorerOptions { Iterations = 500, Seed = 5 });

        Assert.True(report.BugFound, "the interleaving of two reentrant requests was not explored");
        Assert.Equal(BugKind.AssertionFailure, report.Kind);
        var replay = Explorer.Replay(report.Trace!, Body);
        Assert.Equal(BugKind.AssertionFailure, replay.Kind);
    }

    [Fact]
    public void RegisterTimer_NonInterleavingTickUnderExplorer_NeverRunsInsideARequest()
    {
        ExplorerAssert.NoBugs(async () =>
        {
            await using var runtime = new GrainRuntime(Options());
            var key = GrainEvents.NewKey("explored-timer");
            var grain = runtime.GetGrain<ILifecycleGrain>(key);
            await grain.StartTimer(Timeout.InfiniteTimeSpan, interleave: false); // one tick, due at once
            await Task.WhenAll(
                Explorer.Spawn(async () => await grain.LongRequest(2)),
                Explorer.Spawn(async () => await grain.LongRequest(2)));
            Explorer.Assert(GrainEvents.For(key).TicksDuringRequest == 0, "a non-interleaving timer tick ran inside a request");
        }, new ExplorerOptions { Iterations = 300, Seed = 13 });
    }
}
