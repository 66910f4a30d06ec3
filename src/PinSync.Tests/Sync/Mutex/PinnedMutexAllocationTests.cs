namespace PinSync.Tests.Sync.Mutex;

[Collection(AllocationCollection.Name)]
public sealed class PinnedMutexAllocationTests : TestBase
{
    private const int Cycles = 300_000;
    private const int Attempts = 3;

    public enum Variant
    {
        Plain,
        WithToken,
        WithTimeout,
    }

    [Theory]
    [InlineData(Variant.Plain)]
    [InlineData(Variant.WithToken)]
    [InlineData(Variant.WithTimeout)]
    public async Task ContendedLockAsync_AfterWarmUp_AllocatesNothingPerCycle(Variant variant)
    {
        using var m = new PinnedMutex<int>(0);
        using var cts = new CancellationTokenSource();

        await RunCycles(m, variant, 2_000, cts.Token); // warm up pools, timer heap, tiered JIT
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await RunCycles(m, variant, Cycles, cts.Token);
        var perCycle = (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / Cycles;

        Assert.True(perCycle < 1.0, $"{variant}: {perCycle:F2} bytes allocated per contended cycle.");
        using var final = m.Lock();
        Assert.Equal(0, final.Value % 2);
        Assert.Equal(0, m.WaiterCount);
    }

    private static async Task RunCycles(PinnedMutex<int> m, Variant variant, int cycles, CancellationToken token)
    {
        for (var i = 0; i < cycles; i++)
        {
            var holder = await m.LockAsync(CancellationToken.None);
            holder.Value++;

            // Queued behind the holder: a contended wait, completed through a pooled waiter and a slab node.
            var pending = variant switch
            {
                Variant.WithToken => m.LockAsync(token),
                Variant.WithTimeout => m.TryLockAsync(TimeSpan.FromSeconds(30), token),
                _ => m.LockAsync(CancellationToken.None),
            };
            holder.Dispose();
            var guard = await pending.ConfigureAwait(false);
            Assert.True(guard.Acquired);
            guard.Value++;
            guard.Dispose();
        }
    }
}
