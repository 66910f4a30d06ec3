using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Long runs, off by default: set PINSYNC_STRESS=1 (and/or filter on Category=Stress).</summary>
[Trait("Category", "Stress")]
public sealed class GrainStressTests : TestBase
{
    [StressFact]
    public async Task Increment_ManyCallersWhileIdleCollectionChurns_NoLostUpdateNoHang()
    {
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions
        {
            CollectionAge = TimeSpan.FromMilliseconds(1),
            CollectionQuantum = TimeSpan.FromMilliseconds(1),
        });
        var keys = Enumerable.Range(0, 32).Select(i => GrainEvents.NewKey("stress" + i)).ToArray();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 64).Select(c => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < 2_000; i++)
            {
                var grain = runtime.GetGrain<ILifecycleGrain>(keys[(c + i) % keys.Length]);
                await (i % 97 == 0 ? grain.DeactivateAfterThis() : grain.Instance());
            }
        })).ToArray();

        start.SetResult();
        await WithTimeout(Task.WhenAll(callers), TimeSpan.FromMinutes(5));
        foreach (var key in keys)
        {
            var events = GrainEvents.For(key);
            Assert.InRange(events.Activations - events.Deactivations, 0, 1);
        }
    }
}
