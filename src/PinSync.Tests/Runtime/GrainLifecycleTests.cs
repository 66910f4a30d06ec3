using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Activation on first call, idle collection, DeactivateOnIdle, failed activations, disposal.</summary>
public sealed class GrainLifecycleTests : TestBase
{
    [Fact]
    public async Task Instance_FirstCall_ActivatesOnce()
    {
        var key = GrainEvents.NewKey("life");
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<ILifecycleGrain>(key);
        Assert.Equal(0, runtime.ActivationCount);

        var first = await grain.Instance();
        var again = await runtime.GetGrain<ILifecycleGrain>(key).Instance();

        Assert.Equal(first, again);
        Assert.Equal(1, GrainEvents.For(key).Activations);
        Assert.Equal(1, runtime.ActivationCount);
    }

    [Fact]
    public async Task IdleCollection_IdlePastCollectionAge_DeactivatesAndNextCallActivatesAfresh()
    {
        var key = GrainEvents.NewKey("idle");
        var events = GrainEvents.For(key);
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions
        {
            CollectionAge = TimeSpan.FromMilliseconds(50),
            CollectionQuantum = TimeSpan.FromMilliseconds(20),
        });
        var grain = runtime.GetGrain<ILifecycleGrain>(key);
        var first = await grain.Instance();

        await WithTimeout(events.Deactivated.Task);

        Assert.Equal(DeactivationReason.IdleCollection, events.LastReason);
        Assert.NotEqual(first, await WithTimeout(grain.Instance().AsTask()));
        Assert.Equal(2, events.Activations);
    }

    [Fact]
    public async Task DeactivateOnIdle_CalledInRequest_NextCallLandsOnFreshActivation()
    {
        var key = GrainEvents.NewKey("doi");
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<ILifecycleGrain>(key);

        var first = await grain.DeactivateAfterThis();
        var second = await WithTimeout(grain.Instance().AsTask());

        Assert.NotEqual(first, second);
        Assert.Equal(DeactivationReason.DeactivateOnIdle, GrainEvents.For(key).LastReason);
        Assert.Equal(1, GrainEvents.For(key).Deactivations);
    }

    [Fact]
    public async Task Instance_CallsRacingDeactivation_AllLandOnSomeActivation()
    {
        var key = GrainEvents.NewKey("race");
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<ILifecycleGrain>(key);
        await grain.Instance();

        var calls = new List<Task<Guid>> { grain.DeactivateAfterThis().AsTask() };
        for (var i = 0; i < 200; i++)
        {
            calls.Add(grain.Instance().AsTask());
        }

        var instances = await WithTimeout(Task.WhenAll(calls));

        Assert.Equal(201, instances.Length);
        Assert.True(instances.Distinct().Count() >= 2, "the calls after DeactivateOnIdle went to a fresh activation");
    }

    [Fact]
    public async Task Attempts_ActivationFailsOnce_CallerGetsTheExceptionAndNextCallSucceeds()
    {
        var key = GrainEvents.NewKey("failing");
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IFailingActivationGrain>(key);

        var error = await Assert.ThrowsAsync<GrainTestException>(() => WithTimeout(grain.Attempts().AsTask()));
        Assert.Equal("activation failed once", error.Message);

        Assert.Equal(2, await WithTimeout(grain.Attempts().AsTask()));
    }

    [Fact]
    public async Task DisposeAsync_LiveActivations_DeactivatesThemAndLaterCallsFail()
    {
        var key = GrainEvents.NewKey("dispose");
        var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<ILifecycleGrain>(key);
        await grain.Instance();

        await WithTimeout(runtime.DisposeAsync().AsTask());

        Assert.Equal(DeactivationReason.RuntimeShutdown, GrainEvents.For(key).LastReason);
        Assert.Equal(0, runtime.ActivationCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => WithTimeout(grain.Instance().AsTask()));
        Assert.Throws<ObjectDisposedException>(() => runtime.GetGrain<ILifecycleGrain>(key));
    }
}
