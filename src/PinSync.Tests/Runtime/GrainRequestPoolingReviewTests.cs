using System.Collections.Concurrent;
using PinSync.Runtime;
using PinSync.Testing;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>
/// Review of pooled grain requests (src/PinSync.Runtime/Internal/RequestOfTResult.Pooling.cs), the holders that name a
/// call by (request, generation) without holding it: a call-chain node kept alive by an execution context that grain
/// code captured, and a cross-chain deadlock probe that names the calls it passed. Both must ignore a request object
/// that has moved on to a later call (the pool is last in, first out, so "moved on" is the next call).
/// </summary>
public sealed class GrainRequestPoolingReviewTests : TestBase
{
    // The activation's DeadlockSweepDelay (20 ms).
    private static readonly TimeSpan s_sweepDelay = PinSync.Runtime.Internal.Activation.DeadlockSweepDelay;

    /// <summary>
    /// A grain captures its execution context in a call (so the context's call-chain node names that call's request),
    /// the call ends and its request is recycled, and the next call of the same shape — reusing that very request —
    /// holds the non-reentrant grain. A call made later under the captured context carries the stale node; the
    /// grain's admission (reentrancy, same-chain deadlock check) and its deadlock sweep must see that the running
    /// request is a later call, not the caller's: the call waits its turn and answers, instead of failing with a
    /// GrainDeadlockException that names a call which finished long ago.
    /// </summary>
    [Fact]
    public async Task StaleCallChainNode_RequestReusedByTheRunningCall_IsNotTakenForTheCaller()
    {
        var pools = new TrackingPoolProvider();
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(30),
            RequestPoolProvider = pools,
            CollectionAge = Timeout.InfiniteTimeSpan,
        });
        var key = GrainEvents.NewKey("pool-stale-chain");
        var grain = runtime.GetGrain<IContextCaptureGrain>(key);

        Assert.Equal("captured", await grain.Capture(key));
        var captureRequest = pools.LastRented!;
        await Settled(pools);

        var held = grain.Hold(key).AsTask();
        Assert.Same(captureRequest, pools.LastRented); // the running call reuses the captured call's request
        await WithTimeout(ContextCaptureGrain.Started(key).Task);

        Task<string>? late = null;
        ExecutionContext.Run(ContextCaptureGrain.Captured[key], _ => late = grain.Leaf().AsTask(), null);
        await Task.Delay(s_sweepDelay * 3); // let the deadlock sweep look at the queued call
        Assert.False(late!.IsFaulted, $"the late call failed while queued: {late.Exception?.InnerException}");

        GrainEvents.For(key).Gate.TrySetResult();
        Assert.Equal("held", await WithTimeout(held));
        Assert.Equal("leaf", await WithTimeout(late));
        await Settled(pools);
    }

    /// <summary>
    /// Two chains call each other (a → b ∥ b → a) with a request timeout just past the deadlock sweep's delay, so a
    /// schedule may time a call out, finish the chain, recycle the queued call's request into a later call (the
    /// reusers' Leaf calls share its pool) and only then deliver a probe or a report that names the old call. A
    /// report must fail only the calls it saw: a reuser (a call from outside, never part of a cycle) may answer or
    /// time out, never fail with GrainDeadlockException; and every request goes back to its pool exactly once.
    /// </summary>
    [Fact]
    public void CrossChainReportRacingTimeoutAndReuse_UnderTheExplorer_ReportNeverReachesALaterCall()
    {
        var everyPool = new List<TrackingPoolProvider>();
        var outcomes = new ConcurrentDictionary<string, int>();
        ExplorerAssert.NoBugs(async () =>
        {
            var pools = new TrackingPoolProvider();
            var runtime = new GrainRuntime(new GrainRuntimeOptions
            {
                RequestTimeout = s_sweepDelay + TimeSpan.FromMilliseconds(1),
                RequestPoolProvider = pools,
                CollectionAge = Timeout.InfiniteTimeSpan,
            });
            var a = runtime.GetGrain<ICrossGrain>("a");
            var b = runtime.GetGrain<ICrossGrain>("b");
            string? first = null;
            string? second = null;
            var chains = Task.WhenAll(
                Explorer.Spawn(async () => first = await ChainOutcome(a.CallAfterYield("b"))),
                Explorer.Spawn(async () => second = await ChainOutcome(b.CallAfterYield("a"))));
            var reusers = Explorer.Spawn(async () =>
            {
                for (var i = 0; i < 2; i++)
                {
                    await ReuserOutcome(b.Leaf(), "leaf:b");
                    await ReuserOutcome(a.Leaf(), "leaf:a");
                }
            });
            await Task.WhenAll(chains, reusers);
            outcomes.AddOrUpdate(first + " " + second, 1, static (_, n) => n + 1);

            await runtime.DisposeAsync();
            Explorer.Assert(pools.DoubleReturns == 0, "a request was returned to its pool twice");
            lock (everyPool)
            {
                everyPool.Add(pools);
            }
        }, new ExplorerOptions { Iterations = 200, Seed = 29 });

        Assert.Equal(200, everyPool.Count);
        Assert.All(everyPool, pools => Assert.Equal((0, 0), (pools.Outstanding, pools.DoubleReturns)));
        Assert.Contains(outcomes.Keys, key => key.Contains("cycle", StringComparison.Ordinal));
        Assert.Contains(outcomes.Keys, key => key.Contains("timeout", StringComparison.Ordinal));
    }

    private static async Task<string> ChainOutcome(ValueTask<string> call)
    {
        try
        {
            var answer = await call;
            return answer.StartsWith("leaf:", StringComparison.Ordinal) ? "leaf" : answer;
        }
        catch (GrainDeadlockException)
        {
            return "cycle";
        }
        catch (TimeoutException)
        {
            return "timeout";
        }
    }

    private static async Task ReuserOutcome(ValueTask<string> call, string expected)
    {
        try
        {
            var answer = await call;
            Explorer.Assert(answer == expected, $"a reuser got '{answer}', not '{expected}'");
        }
        catch (TimeoutException)
        {
        }
        catch (GrainDeadlockException error)
        {
            Explorer.Assert(false, "a deadlock report reached a later call of a pooled request: " + error.Message);
        }
    }

    /// <summary>
    /// The call-chain node is one field (issue 15 item 6: 96 B per call): a hop's activation and caller are read from
    /// its request, and trusted only while the request still serves that run. A context captured two hops down a chain
    /// (a → b.Capture) that outlives both calls must show b's hop as finished and nothing before it: what called a
    /// finished call is not known any more (its request serves other calls), and no deadlock or reentrancy goes
    /// through it. The node of the earlier design kept its caller and showed both hops.
    /// </summary>
    [Fact]
    public async Task CapturedContext_OutlivingItsChain_ShowsOnlyTheFinishedHop()
    {
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { CollectionAge = Timeout.InfiniteTimeSpan });
        var slot = GrainEvents.NewKey("chain-cut");
        var a = runtime.GetGrain<IContextCaptureGrain>(slot + "-a");
        Assert.Equal("captured", await a.CaptureVia(slot + "-b", slot));

        // b's request is recycled a moment after a's call returned (its completer lets go last).
        IReadOnlyList<string> chain = [];
        using (var guard = new CancellationTokenSource(UnexpectedTimeout))
        {
            while (true)
            {
                ExecutionContext.Run(ContextCaptureGrain.Captured[slot], _ => chain = GrainCallContext.CurrentCallChain, null);
                if (chain.Count > 0 && chain[^1].EndsWith("(finished call)", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(1, guard.Token);
            }
        }

        Assert.Equal(["(finished call)"], chain);
    }

    private static async Task Settled(TrackingPoolProvider pools)
    {
        using var guard = new CancellationTokenSource(UnexpectedTimeout);
        while (pools.Outstanding != 0)
        {
            await Task.Delay(1, guard.Token);
        }

        Assert.Equal(0, pools.DoubleReturns);
    }
}

/// <summary>A grain that captures the execution context of a call (grain code that keeps a context to call later).</summary>
public interface IContextCaptureGrain : IGrainWithStringKey
{
    /// <summary>Captures the call's execution context under <paramref name="slot"/>.</summary>
    ValueTask<string> Capture(string slot);

    /// <summary>Holds this non-reentrant grain until the gate of <paramref name="gate"/> opens.</summary>
    ValueTask<string> Hold(string gate);

    ValueTask<string> Leaf();

    /// <summary>Calls <see cref="Capture"/> on the grain <paramref name="other"/> (a chain of two hops).</summary>
    ValueTask<string> CaptureVia(string other, string slot);
}

/// <summary>Non-reentrant.</summary>
public sealed class ContextCaptureGrain : Grain, IContextCaptureGrain
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_started = new();

    /// <summary>The contexts captured, by slot.</summary>
    public static ConcurrentDictionary<string, ExecutionContext> Captured { get; } = new();

    /// <summary>Completes when <see cref="Hold"/> runs for <paramref name="gate"/>.</summary>
    public static TaskCompletionSource Started(string gate) =>
        s_started.GetOrAdd(gate, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public ValueTask<string> Capture(string slot)
    {
        Captured[slot] = ExecutionContext.Capture()!;
        return new("captured");
    }

    public async ValueTask<string> Hold(string gate)
    {
        Started(gate).TrySetResult();
        await GrainEvents.For(gate).Gate.Task;
        return "held";
    }

    public ValueTask<string> Leaf() => new("leaf");

    public ValueTask<string> CaptureVia(string other, string slot) => GrainFactory.GetGrain<IContextCaptureGrain>(other).Capture(slot);
}
