using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Turn exclusivity and the reentrancy rules, on the real thread pool.</summary>
public sealed class GrainTurnTests : TestBase
{
    private const int Callers = 64;
    private const int CallsPerCaller = 20;

    [Fact]
    public async Task Increment_64ConcurrentCallersWithAwaitsInside_OneTurnAndOneRequestAtATime()
    {
        await using var runtime = new GrainRuntime();
        var counter = runtime.GetGrain<ICounterGrain>(GrainEvents.NewKey("counter"));
        // An async start gate, not a Barrier: 64 pool threads blocked in a barrier starve a 2-core pool.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < CallsPerCaller; i++)
            {
                await counter.Increment();
            }
        })).ToArray();

        start.SetResult();
        await WithTimeout(Task.WhenAll(callers));

        Assert.Equal(Callers * CallsPerCaller, await counter.Get());
        var (threadViolations, maxRequestsInside) = await counter.Probe();
        Assert.Equal(0, threadViolations);
        Assert.Equal(1, maxRequestsInside);
    }

    [Fact]
    public async Task Increment_ReentrantGrainUnder64Callers_InterleavesButOneThreadAtATime()
    {
        await using var runtime = new GrainRuntime();
        var counter = runtime.GetGrain<IReentrantCounterGrain>(GrainEvents.NewKey("reentrant"));
        // An async start gate, not a Barrier: 64 pool threads blocked in a barrier starve a 2-core pool.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < CallsPerCaller; i++)
            {
                await counter.Increment();
            }
        })).ToArray();

        start.SetResult();
        await WithTimeout(Task.WhenAll(callers));

        var (threadViolations, _) = await counter.Probe();
        Assert.Equal(0, threadViolations);
    }

    [Fact]
    public async Task Rendezvous_ReentrantGrain_TwoRequestsInsideAtOnce()
    {
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IReentrantCounterGrain>(GrainEvents.NewKey("rendezvous"));

        var results = await WithTimeout(Task.WhenAll(grain.Rendezvous(2).AsTask(), grain.Rendezvous(2).AsTask()));

        Assert.Equal([2, 2], results);
    }

    [Fact]
    public async Task Meet_NonReentrantGrain_SecondRequestWaitsForTheFirst()
    {
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IRendezvousGrain>(GrainEvents.NewKey("meet"));

        var first = grain.Meet(2).AsTask();
        while (await grain.Arrived() == 0)
        {
            await Task.Yield();
        }

        var second = grain.Meet(2).AsTask();
        await Task.Delay(ExpectedTimeout);
        Assert.Equal(1, await grain.Arrived()); // [AlwaysInterleave] sees the first request still inside, alone.
        Assert.False(second.IsCompleted);

        await grain.Release();

        Assert.Equal(1, await WithTimeout(first));
        Assert.Equal(2, await WithTimeout(second));
    }

    [Fact]
    public async Task MeetReadOnly_NonReentrantGrain_ReadOnlyRequestsRunTogether()
    {
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IRendezvousGrain>(GrainEvents.NewKey("readonly"));

        var results = await WithTimeout(Task.WhenAll(grain.MeetReadOnly(2).AsTask(), grain.MeetReadOnly(2).AsTask()));

        Assert.Equal([2, 2], results);
    }
}
