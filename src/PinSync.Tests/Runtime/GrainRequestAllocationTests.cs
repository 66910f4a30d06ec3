using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>
/// Bytes per grain call once the request pool is warm (issue 15 item 6: goal ≤ 100 B per local call). Measured 96 B:
/// the 24 B call-chain node of the run and the execution context (40 B) with its one-entry map (32 B) that carry it;
/// nothing else. The bounds fail when pooling breaks (352 B per call before it, 1,232 B grain → grain) and when the
/// chain node grows back (120 B with the earlier five-field node). Grain → grain (a non-async Forward): 280 B, two
/// requests of 96 B and the GetGrain of the callee (88 B: the reference and its boxed id); 344 B when the callee's
/// answer reached the caller's activation through ManualResetValueTaskSourceCore's own post to the captured context
/// (RequestOfTResult.Continuation.cs), 392 B with the earlier node as well.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class GrainRequestAllocationTests : TestBase
{
    private const double MaxBytesPerCall = 100;
    private const double MaxBytesPerGrainToGrainCall = 300;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Call_GeneratedReferenceSequential_AtMost100BytesPerCall(bool defaultTimeout)
    {
        var options = new GrainRuntimeOptions { CollectionAge = Timeout.InfiniteTimeSpan };
        if (!defaultTimeout)
        {
            options.RequestTimeout = Timeout.InfiniteTimeSpan;
        }

        await using var runtime = new GrainRuntime(options);
        var grain = runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("alloc"));
        Assert.IsAssignableFrom<GrainReference>(grain);

        var bytes = await AllocationMeter.BestBytesPerCycleAsync(async cycles =>
        {
            for (var i = 0; i < cycles; i++)
            {
                await grain.Echo(i);
            }
        }, cycles: 100_000);

        Assert.True(bytes <= MaxBytesPerCall, $"{bytes:F0} B per call (at most {MaxBytesPerCall}): is the request pool still reused?");
    }

    [Fact]
    public async Task Call_GrainToGrain_AtMost300BytesPerCall()
    {
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { CollectionAge = Timeout.InfiniteTimeSpan });
        var grain = runtime.GetGrain<IPoolProbeGrain>(GrainEvents.NewKey("alloc-forward"));
        var leaf = GrainEvents.NewKey("alloc-leaf");

        var bytes = await AllocationMeter.BestBytesPerCycleAsync(async cycles =>
        {
            for (var i = 0; i < cycles; i++)
            {
                await grain.Forward(leaf, i);
            }
        }, cycles: 50_000);

        Assert.True(bytes <= MaxBytesPerGrainToGrainCall, $"{bytes:F0} B per grain-to-grain call (at most {MaxBytesPerGrainToGrainCall})");
    }
}
