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
}
