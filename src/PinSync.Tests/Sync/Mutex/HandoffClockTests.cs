using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Sync.Mutex;

/// <summary>
/// The clock an unlock reads for its handoff decision (RawMutex.HandoffClock: on Linux a per-thread cache of the
/// precise clock, refreshed when Environment.TickCount64 moves on or every eighth read). Its contract: never ahead of
/// the real time (a handoff is never early), refreshed within eight reads, and it keeps up once time passes (the
/// starvation bound is late by at most the lesser of seven unlocks on that thread and one kernel tick); an explorer run
/// (whose flows read virtual time through the same method) leaves the production cache untouched. Real threads, no
/// controller, except where a test runs the explorer on purpose: the production path.
/// </summary>
public sealed class HandoffClockTests : TestBase
{
    [Fact]
    public void HandoffClock_NeverAheadOfThePreciseClock()
    {
        for (var i = 0; i < 100_000; i++)
        {
            var handoff = RawMutex.HandoffClock();
            var precise = Seam.ProductionNowTicks();
            Assert.True(handoff <= precise, $"read {i}: the handoff clock {handoff} is ahead of the precise clock {precise}");
        }
    }

    /// <summary>Within one coarse tick the cache may be re-used at most seven times: the eighth read at the latest is a
    /// fresh precise read, so it is not behind a precise read taken before the first of them.</summary>
    [Fact]
    public void HandoffClock_RefreshedWithinEightReads_NeverAhead()
    {
        for (var round = 0; round < 1_000; round++)
        {
            AssertEightReadsNeverAheadAndFresh($"round {round}");
        }
    }

    [Fact]
    public void HandoffClock_KeepsUpWhenTimePasses()
    {
        var before = RawMutex.HandoffClock();
        Thread.Sleep(30);
        var after = RawMutex.HandoffClock();

        // 30 ms passed for certain: a cache that was not refreshed (or refreshed from a stale count) shows less.
        Assert.True(after - before >= TimeSpan.FromMilliseconds(25).Ticks,
            $"the handoff clock moved {TimeSpan.FromTicks(after - before).TotalMilliseconds:F1} ms across a 30 ms sleep");
    }

    /// <summary>Inside an explorer run the reads are the controller's virtual time; afterwards this thread's reads are
    /// still never ahead of the precise clock, and refreshed within eight reads.</summary>
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

        AssertEightReadsNeverAheadAndFresh("after the explorer run");
    }

    /// <summary>Eight reads in a row: none ahead of the precise clock, and the last not older than a precise read taken
    /// before the first.</summary>
    private static void AssertEightReadsNeverAheadAndFresh(string when)
    {
        var before = Seam.ProductionNowTicks();
        long last = 0;
        for (var i = 0; i < 8; i++)
        {
            last = RawMutex.HandoffClock();
            Assert.True(last <= Seam.ProductionNowTicks(), $"{when}, read {i}: ahead of the precise clock");
        }

        Assert.True(last >= before, $"{when}: eight reads in a row all returned a value older than a precise read taken before them");
    }
}
