using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Registered (generated-style) grain references: typed, reflection-free calls.</summary>
public sealed class GrainReferenceTests : TestBase
{
    static GrainReferenceTests() => GrainReference.Register<ITypedGrain>(static () => new TypedGrainReference());

    [Fact]
    public async Task GetGrain_RegisteredReference_UsesItAndCallsWork()
    {
        await using var runtime = new GrainRuntime();

        var grain = runtime.GetGrain<ITypedGrain>(GrainEvents.NewKey("typed"));

        Assert.IsType<TypedGrainReference>(grain);
        Assert.Equal(5, await WithTimeout(grain.Add(2, 3).AsTask()));
        var error = await Assert.ThrowsAsync<GrainTestException>(() => WithTimeout(grain.Fail("typed boom").AsTask()));
        Assert.Equal("typed boom", error.Message);
    }

    [Fact]
    public async Task Wait_RegisteredReferenceTimesOut_GrainTokenFiresAndCallerGetsTimeout()
    {
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = ExpectedTimeout });
        var grain = runtime.GetGrain<ITypedGrain>(GrainEvents.NewKey("typed"));

        await Assert.ThrowsAsync<TimeoutException>(() => WithTimeout(grain.Wait(CancellationToken.None)));

        Assert.Equal(3, await WithTimeout(grain.Add(1, 2).AsTask())); // the grain method was cancelled: the grain is free
    }

    [Fact]
    public async Task GetGrain_DefaultOptions_UsesTheSourceGeneratedReference()
    {
        await using var runtime = new GrainRuntime();

        var grain = runtime.GetGrain<ICounterGrain>(GrainEvents.NewKey("generated"));

        Assert.IsAssignableFrom<GrainReference>(grain);
        Assert.StartsWith("GrainReference_", grain.GetType().Name, StringComparison.Ordinal);
        Assert.Equal(1, await WithTimeout(grain.Increment().AsTask()));
    }

    [Fact]
    public async Task GetGrain_GeneratedReferencesOff_ReflectionProxyKeepsTheSameBehavior()
    {
        var key = GrainEvents.NewKey("proxy");
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { UseGeneratedReferences = false });
        await using var impatient = new GrainRuntime(new GrainRuntimeOptions
        {
            UseGeneratedReferences = false,
            RequestTimeout = ExpectedTimeout,
        });
        var counter = runtime.GetGrain<ICounterGrain>(key);
        var faulty = runtime.GetGrain<IFaultyGrain>(key);

        Assert.IsNotAssignableFrom<GrainReference>(counter);
        await WithTimeout(Task.WhenAll(Enumerable.Range(0, 16).Select(_ => counter.Increment().AsTask())));
        Assert.Equal(16, await counter.Get());
        Assert.Equal((0, 1), await counter.Probe());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WithTimeout(faulty.ThrowSynchronously("proxy boom").AsTask()));
        Assert.Equal("proxy boom", error.Message);
        await Assert.ThrowsAsync<TimeoutException>(
            () => WithTimeout(impatient.GetGrain<IFaultyGrain>(key).WaitForCancellation(CancellationToken.None)));
        await WithTimeout(GrainEvents.For(key).TokenCancelled.Task);
        var keys = new[] { key + "a", key + "b", key + "a" };
        var deadlock = await Assert.ThrowsAsync<GrainDeadlockException>(
            () => WithTimeout(runtime.GetGrain<IChainGrain>(keys[0]).Call(keys, 1).AsTask()));
        Assert.Equal(3, deadlock.CallChain.Count);
    }
}
