namespace PinSync.Tests.Sync.Mutex;

[Collection(AllocationCollection.Name)]
public sealed class PinnedMutexAllocationTests : TestBase
{
    private const int Cycles = 300_000;

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

        var best = await AllocationMeter.BestBytesPerCycleAsync(cycles => RunCycles(m, variant, cycles, cts.Token), Cycles);
        Assert.True(best < 1.0, $"{variant}: {best:F2} bytes allocated per contended cycle.");
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
