using PinSync.Runtime;
using PinSync.Testing;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>
/// Pooled grain requests (src/PinSync.Runtime/Internal/RequestOfTResult.Pooling.cs): a request goes back to its pool
/// only when nobody can reach it — after completion, after a timeout or a cancellation once the grain has finished
/// too, after a grain exception — and the next call that reuses it gets its own answer, never a stale one. The pool
/// is <see cref="TrackingPoolProvider"/> (last in, first out), so "the next call reuses it" is exact.
/// </summary>
public sealed class GrainRequestPoolingTests : TestBase
{
    private static (GrainRuntime Runtime, TrackingPoolProvider Pools) Create(TimeSpan timeout)
    {
        var pools = new TrackingPoolProvider();
        var runtime = new GrainRuntime(new GrainRuntimeOptions
        {
            RequestTimeout = timeout,
            RequestPoolProvider = pools,
            CollectionAge = Timeout.InfiniteTimeSpan,
        });
        return (runtime, pools);
    }

    /// <summary>Waits until every rented request is back (the completer and the activation let go a little after the
    /// caller has its answer).</summary>
    private static async Task Settled(TrackingPoolProvider pools)
    {
        using var guard = new CancellationTokenSource(UnexpectedTimeout);
        while (pools.Outstanding != 0)
        {
            await Task.Delay(1, guard.Token);
        }

        Assert.Equal(0, pools.DoubleReturns);
    }

    [Fact]
    public async Task Call_Completed_TheNextCallReusesTheRequest()
    {
        var (runtime, pools) = Create(TimeSpan.FromSeconds(30));
        await using (runtime)
        {
            var grain = runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("pool"));
            Assert.IsAssignableFrom<GrainReference>(grain);

            for (var i = 0; i < 100; i++)
            {
                Assert.Equal(i, await grain.Echo(i));
                await Settled(pools);
            }

            Assert.Equal(1, pools.Created);
            Assert.Equal(0, runtime.Deadlines!.PendingCount);
        }
    }

    [Fact]
    public async Task Call_TimedOut_StaysOutOfThePoolUntilTheGrainFinishes_ThenServesTheNextCall()
    {
        // Not ExpectedTimeout (50 ms): the other calls below must not time out on a loaded machine.
        var (runtime, pools) = Create(TimeSpan.FromMilliseconds(300));
        await using (runtime)
        {
            var key = GrainEvents.NewKey("pool-timeout");
            var grain = runtime.GetGrain<IPoolProbeGrain>(key);
            var held = grain.Hold(1, CancellationToken.None);
            var request = pools.LastRented!;

            await Assert.ThrowsAsync<TimeoutException>(() => WithTimeout(held.AsTask()));
            await AssertLateCompletionDoesNotLeak(runtime, pools, key, grain, request);
        }
    }

    [Fact]
    public async Task Call_Cancelled_StaysOutOfThePoolUntilTheGrainFinishes_ThenServesTheNextCall()
    {
        var (runtime, pools) = Create(TimeSpan.FromSeconds(30));
        await using (runtime)
        {
            var key = GrainEvents.NewKey("pool-cancel");
            var grain = runtime.GetGrain<IPoolProbeGrain>(key);
            using var cancellation = new CancellationTokenSource();
            var held = grain.Hold(1, cancellation.Token);
            var request = pools.LastRented!;

            // Cancel once the grain runs the call: a cancel that lands while the call is still queued drops it, and
            // its request comes back at once (correct, but not what this test is about).
            await WithTimeout(PoolProbeGrain.Started(key).Task);
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(held.AsTask()));
            await AssertLateCompletionDoesNotLeak(runtime, pools, key, grain, request);
        }
    }

    /// <summary>
    /// A call that has its answer but whose caller has not awaited it yet when its deadline passes: the completer
    /// unlinked it from the sweep (Request.Disarm), and the call must not time out later: the caller's late
    /// await gets the grain's value, the request comes back to the pool exactly once (after that await, not before),
    /// and the next call reuses it.
    /// </summary>
    [Fact]
    public async Task Call_CompletedButNotAwaitedPastItsDeadline_KeepsItsAnswer_AndComesBackOnce()
    {
        // Not ExpectedTimeout (50 ms): the call must answer before its deadline on a loaded machine.
        var (runtime, pools) = Create(TimeSpan.FromMilliseconds(300));
        await using (runtime)
        {
            var grain = runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("pool-unawaited"));
            Assert.Equal(1, await grain.Echo(1)); // activation, outside the call under test
            await Settled(pools);

            var call = grain.Echo(42);
            var request = pools.LastRented!;
            using (var guard = new CancellationTokenSource(UnexpectedTimeout))
            {
                // Answered, and then let go by the sweep at its deadline: nothing is linked any more.
                while (!call.IsCompleted || runtime.Deadlines!.PendingCount != 0)
                {
                    await Task.Delay(5, guard.Token);
                }
            }

            Assert.Equal(1, pools.Outstanding); // the caller's hold: not back before the caller has its answer
            Assert.Equal(42, await call);
            await Settled(pools);
            Assert.True(pools.IsPooled(request));

            var next = grain.Echo(7);
            Assert.Same(request, pools.LastRented);
            Assert.Equal(7, await WithTimeout(next.AsTask()));
            await Settled(pools);
            Assert.Equal(0, runtime.Deadlines!.PendingCount);
        }
    }

    /// <summary>The call of <paramref name="request"/> has its answer (timeout or cancellation) while the grain still
    /// runs it: other calls get other requests and their own answers, the grain's late result reaches nobody, and the
    /// request comes back only then, to serve the next call.</summary>
    private static async Task AssertLateCompletionDoesNotLeak(GrainRuntime runtime, TrackingPoolProvider pools, string key,
        IPoolProbeGrain grain, object request)
    {
        var other = runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("pool-other"));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(100 + i, await other.Echo(100 + i));
            Assert.NotSame(request, pools.LastRented);
        }

        // Everything but the held call is back; the held request is not (the activation still runs it).
        using (var guard = new CancellationTokenSource(UnexpectedTimeout))
        {
            while (pools.Outstanding != 1)
            {
                await Task.Delay(1, guard.Token);
            }
        }

        Assert.False(pools.IsPooled(request));

        // The grain answers late (1), to nobody; then the request is back, and the next call reuses it.
        PoolProbeGrain.Gate(key).SetResult();
        await Settled(pools);
        Assert.True(pools.IsPooled(request));
        var next = grain.Echo(7);
        Assert.Same(request, pools.LastRented);
        Assert.Equal(7, await WithTimeout(next.AsTask()));
        await Settled(pools);
        Assert.Equal(0, runtime.Deadlines!.PendingCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Call_GrainThrew_TheNextCallReusesTheRequestWithACleanAnswer(bool synchronously)
    {
        var (runtime, pools) = Create(TimeSpan.FromSeconds(30));
        await using (runtime)
        {
            var grain = runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("pool-throw"));

            var error = await Assert.ThrowsAsync<GrainTestException>(async () =>
                await (synchronously ? grain.ThrowNow(1) : grain.ThrowLater(1)));
            Assert.Equal(synchronously ? "now 1" : "later 1", error.Message);
            var failed = pools.LastRented!;
            await Settled(pools);

            var next = grain.Echo(3);
            Assert.Same(failed, pools.LastRented);
            Assert.Equal(3, await next);
        }
    }

    [Fact]
    public async Task ValueTask_AwaitedTwice_ThrowsAndLeavesTheNextCallAlone()
    {
        // The BCL ValueTask rule: await once. The second await of the same call throws at once, and still throws
        // (rather than reading someone else's answer) once the request serves another call.
        var (runtime, pools) = Create(TimeSpan.FromSeconds(30));
        await using (runtime)
        {
            var grain = runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("pool-twice"));
            var first = grain.Echo(1);
            Assert.Equal(1, await first);
            var again = await Assert.ThrowsAsync<InvalidOperationException>(async () => await first);
            Assert.Contains("awaited only once", again.Message, StringComparison.Ordinal);

            await Settled(pools);
            var second = grain.Echo(2);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await first);
            Assert.Equal(2, await second);

            var preserved = grain.Echo(3).Preserve();
            Assert.Equal(3, await preserved);
            Assert.Equal(3, await preserved);
            await Settled(pools);
        }
    }

    [Fact]
    public async Task ManyCallersAndGrainToGrain_EveryAnswerIsItsOwn_AndEveryRequestComesBack()
    {
        var (runtime, pools) = Create(TimeSpan.FromSeconds(30));
        await using (runtime)
        {
            var grains = Enumerable.Range(0, 4).Select(i => runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("pool-many"))).ToArray();
            var leaf = GrainEvents.NewKey("pool-leaf");
            var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
            {
                for (var i = 0; i < 300; i++)
                {
                    var value = (c * 1000) + i;
                    Assert.Equal(value, i % 3 == 0 ? await grains[(c + i) % 4].Forward(leaf, value) : await grains[(c + i) % 4].Echo(value));
                }
            }));
            await WithTimeout(Task.WhenAll(callers));
            await Settled(pools);
            Assert.True(pools.Created <= 2 * 8 * 2, $"{pools.Created} requests made for 8 callers (pooling should reuse them)");
        }
    }

    [Fact]
    public async Task RequestPoolSizeZero_NeverAsksTheProvider()
    {
        var pools = new TrackingPoolProvider();
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestPoolSize = 0, RequestPoolProvider = pools });
        var grain = runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("pool-off"));

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i, await grain.Echo(i));
        }

        Assert.Equal(0, pools.Created);
        Assert.Null(pools.LastRented);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GrainRuntimeOptions { RequestPoolSize = -1 });
    }

    [Fact]
    public void TimeoutCompletionCancellationDeactivation_UnderTheExplorer_OneAnswerEachAndCleanReuse()
    {
        // The grain answers at the very tick its 10 ms timeout is due, while another operation cancels the caller's
        // token and a third deactivates the grain; under the explorer a timeout may fire at any step (virtual time
        // passes whenever the schedule says so), so any call may time out. Every schedule must give each call one
        // answer — its own value, a timeout or a cancellation, never another call's value — and return every
        // request to its pool exactly once.
        var everyPool = new List<TrackingPoolProvider>();
        ExplorerAssert.NoBugs(async () =>
        {
            var pools = new TrackingPoolProvider();
            var runtime = new GrainRuntime(new GrainRuntimeOptions
            {
                RequestTimeout = TimeSpan.FromMilliseconds(10),
                RequestPoolProvider = pools,
                CollectionAge = Timeout.InfiniteTimeSpan,
            });
            var grain = runtime.GetGrain<IPoolProbeGrain>("explored");
            using var cancellation = new CancellationTokenSource();
            var racing = Answer(grain.DelayThenEcho(1, 10, cancellation.Token), 1);
            var canceller = Explorer.Spawn(() => cancellation.Cancel());
            var deactivator = Explorer.Spawn(async () => await Answer(WithUnit(grain.Deactivate()), 0));
            var reusers = Explorer.Spawn(async () =>
            {
                for (var i = 0; i < 3; i++)
                {
                    await Answer(grain.Echo(10 + i), 10 + i);
                }
            });
            await Task.WhenAll(racing, canceller, deactivator, reusers);

            await runtime.DisposeAsync();
            Explorer.Assert(pools.DoubleReturns == 0, "a request was returned to its pool twice");
            lock (everyPool)
            {
                everyPool.Add(pools);
            }
        }, new ExplorerOptions { Iterations = 300, Seed = 15 });

        // Counted after each schedule has run to its end: inside the body a timer operation that fired may not have
        // run yet (the strategy may keep it waiting while the body runs), and it still holds its request.
        Assert.Equal(300, everyPool.Count);
        Assert.All(everyPool, pools => Assert.Equal((0, 0), (pools.Outstanding, pools.DoubleReturns)));
    }

    /// <summary>Awaits a call: its own value, or a timeout or cancellation; anything else fails the schedule.</summary>
    private static async Task Answer(ValueTask<int> call, int expected)
    {
        try
        {
            Explorer.Assert(await call == expected, "a call answered another call's value");
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async ValueTask<int> WithUnit(ValueTask call)
    {
        await call;
        return 0;
    }
}
