namespace PinSync.Tests.Sync.Review;

/// <summary>Steady-state allocation of contended condition-variable waits (DESIGN §3: pooled waiters, native
/// nodes, zero allocation once warm).</summary>
[Collection(AllocationCollection.Name)]
public sealed class CondVarAllocationReviewTests : TestBase
{
    /// <summary>The timed form completes through the pooled waiter and the pooling builder: nothing per wait.</summary>
    [Fact]
    public async Task WaitAsyncTimed_NotifiedWhileHeld_AllocatesNothingPerWait()
    {
        var perCycle = await Measure(timed: true);
        Assert.True(perCycle < 1.0, $"{perCycle:F2} bytes allocated per timed WaitAsync.");
    }

    /// <summary>
    /// The untimed form wraps the pooled ValueTask&lt;bool&gt; in <c>new ValueTask(pending.AsTask())</c>, which
    /// allocates a Task (plus its continuation state) for every wait that does not complete synchronously.
    /// </summary>
    [Fact]
    public async Task WaitAsyncUntimed_NotifiedWhileHeld_AllocatesNothingPerWait()
    {
        var perCycle = await Measure(timed: false);
        Assert.True(perCycle < 1.0, $"{perCycle:F2} bytes allocated per untimed WaitAsync.");
    }

    private static async Task<double> Measure(bool timed)
    {
        using var m = new PinnedMutex<int>(0);
        using var cv = new PinSync.CondVar();
        return await AllocationMeter.BestBytesPerCycleAsync(cycles => RunCycles(m, cv, timed, cycles), cycles: 100_000);
    }

    private static async Task RunCycles(PinnedMutex<int> m, PinSync.CondVar cv, bool timed, int cycles)
    {
        for (var i = 0; i < cycles; i++)
        {
            var g = await m.LockAsync();
            if (timed)
            {
                var pending = cv.WaitAsync(g, TimeSpan.FromSeconds(30));
                var n = await m.LockAsync();
                Assert.True(cv.NotifyOne());
                n.Dispose();
                Assert.True(await pending.ConfigureAwait(false));
            }
            else
            {
                var pending = cv.WaitAsync(g);
                var n = await m.LockAsync();
                Assert.True(cv.NotifyOne());
                n.Dispose();
                await pending.ConfigureAwait(false);
            }

            Assert.True(g.Acquired);
            g.Dispose();
        }
    }
}
