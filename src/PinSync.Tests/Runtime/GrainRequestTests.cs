using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Results, exceptions, timeouts, cancellation and backpressure as the caller sees them.</summary>
public sealed class GrainRequestTests : TestBase
{
    [Fact]
    public async Task ThrowAfterAwait_GrainThrows_CallerGetsSameTypeAndMessage()
    {
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IFaultyGrain>(GrainEvents.NewKey("faulty"));

        var error = await Assert.ThrowsAsync<GrainTestException>(() => WithTimeout(grain.ThrowAfterAwait("boom").AsTask()));

        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task ThrowSynchronously_NonAsyncMethodThrows_CallerGetsSameTypeAndMessage()
    {
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IFaultyGrain>(GrainEvents.NewKey("faulty"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WithTimeout(grain.ThrowSynchronously("sync boom").AsTask()));

        Assert.Equal("sync boom", error.Message);
        Assert.Equal(7, await grain.Echo(7)); // the grain is usable afterwards
    }

    [Fact]
    public async Task ThrowFromTask_TaskMethodFaults_CallerGetsSameTypeAndMessage()
    {
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IFaultyGrain>(GrainEvents.NewKey("faulty"));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => WithTimeout(grain.ThrowFromTask("task boom")));

        Assert.Equal("task boom", error.Message);
    }

    [Fact]
    public async Task WaitForCancellation_RequestTimesOut_CallerGetsTimeoutAndGrainTokenFires()
    {
        var key = GrainEvents.NewKey("timeout");
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = ExpectedTimeout });
        var grain = runtime.GetGrain<IFaultyGrain>(key);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => WithTimeout(grain.WaitForCancellation(CancellationToken.None)));

        Assert.Contains("IFaultyGrain.WaitForCancellation", error.Message, StringComparison.Ordinal);
        await WithTimeout(GrainEvents.For(key).TokenCancelled.Task);
        Assert.Equal(3, await WithTimeout(grain.Echo(3).AsTask()));
    }

    [Fact]
    public async Task WaitForCancellation_CallerCancels_CallerGetsCanceledAndGrainTokenFires()
    {
        var key = GrainEvents.NewKey("cancel");
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        var grain = runtime.GetGrain<IFaultyGrain>(key);
        using var cancellation = new CancellationTokenSource();

        var call = grain.WaitForCancellation(cancellation.Token);

        // Cancel once the grain method runs: a cancel that lands while the request is still queued drops it before
        // the grain sees it (also correct, but then the grain's token never fires, which is what this test checks).
        await WithTimeout(GrainEvents.For(key).WaitingForCancellation.Task);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(call));
        await WithTimeout(GrainEvents.For(key).TokenCancelled.Task);
        Assert.Equal(4, await WithTimeout(grain.Echo(4).AsTask()));
    }

    [Fact]
    public async Task Block_MoreThanQueueLimit_RejectsWithGrainQueueFullException()
    {
        const int Limit = 4;
        var key = GrainEvents.NewKey("backpressure");
        var events = GrainEvents.For(key);
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { MaxPendingRequestsPerActivation = Limit });
        var grain = runtime.GetGrain<ILifecycleGrain>(key);

        var accepted = Enumerable.Range(0, Limit).Select(_ => grain.Block().AsTask()).ToArray();
        var error = await Assert.ThrowsAsync<GrainQueueFullException>(() => WithTimeout(grain.Block().AsTask()));

        Assert.Contains("MaxPendingRequestsPerActivation", error.Message, StringComparison.Ordinal);
        events.Gate.SetResult();
        await WithTimeout(Task.WhenAll(accepted));
        await WithTimeout(grain.Block().AsTask()); // room again
    }

    [Fact]
    public void GetGrain_InterfaceWithoutImplementation_ThrowsClearly()
    {
        using var runtime = new DisposeGuard(new GrainRuntime());

        var error = Assert.Throws<ArgumentException>(() => runtime.Value.GetGrain<IOrphanGrain>("x"));

        Assert.Contains("No non-abstract class deriving from Grain implements IOrphanGrain", error.Message, StringComparison.Ordinal);
    }

    public interface IOrphanGrain : IGrain
    {
        ValueTask Nothing();
    }

    private sealed class DisposeGuard(GrainRuntime value) : IDisposable
    {
        public GrainRuntime Value { get; } = value;

        public void Dispose() => Value.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
