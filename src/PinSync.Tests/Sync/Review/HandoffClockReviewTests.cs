using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Sync.Review;

/// <summary>
/// Review of RawMutex.HandoffClock, the per-thread cache of the precise clock behind the starvation handoff decision:
/// whatever ran on the thread before (a burst of reads within one coarse tick, an explorer run whose flows read virtual
/// time), the cache is never ahead of the precise clock and is refreshed within eight reads — deterministic bounds, no
/// wall-clock assertion.
/// </summary>
public sealed class HandoffClockReviewTests : TestBase
{
    /// <summary>Within one coarse tick the cache may be re-used at most seven times: the eighth read at the latest is a
    /// fresh precise read, so it is not behind a precise read taken before the first of them.</summary>
    [Fact]
    public void HandoffClock_RefreshedWithinEightReads_NeverAhead()
    {
        for (var round = 0; round < 1_000; round++)
        {
            var before = Seam.ProductionNowTicks();
            long last = 0;
            for (var i = 0; i < 8; i++)
            {
                last = RawMutex.HandoffClock();
                Assert.True(last <= Seam.ProductionNowTicks(), $"round {round}, read {i}: ahead of the precise clock");
            }

            Assert.True(last >= before, $"round {round}: eight reads in a row all returned a value older than a precise read taken before them");
        }
    }

    /// <summary>An explorer run on this process (its flows read virtual time through the same method) leaves nothing
    /// behind in the production cache: afterwards this thread's reads are still never ahead, and refreshed within eight
    /// reads; inside the run, the reads are the controller's virtual time.</summary>
    [Fact]
    public void HandoffClock_AfterAnExplorerRun_ProductionCacheUnaffected()
    {
        _ = RawMutex.HandoffClock();
        var virtualReads = 0;
        ExplorerAssert.NoBugs(async () =>
        {
            var start = RawMutex.HandoffClock();
            await Explorer.Delay(TimeSpan.FromMilliseconds(5));
            var end = RawMutex.HandoffClock();
            Explorer.Assert(end - start >= TimeSpan.FromMilliseconds(5).Ticks, $"virtual time moved {end - start} ticks across a 5 ms delay");
            virtualReads++;
        }, new ExplorerOptions { Iterations = 3, Seed = 1 });
        Assert.True(virtualReads > 0);

        var before = Seam.ProductionNowTicks();
        long last = 0;
        for (var i = 0; i < 8; i++)
        {
            last = RawMutex.HandoffClock();
            Assert.True(last <= Seam.ProductionNowTicks(), $"read {i} after the run: ahead of the precise clock");
        }

        Assert.True(last >= before, "eight reads after the explorer run all returned a stale value");
    }
}
