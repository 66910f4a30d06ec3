using PinSync.Scheduling;

namespace PinSync.Tests.Sync.Mutex;

/// <summary>
/// The clock an unlock reads for its handoff decision (RawMutex.HandoffClock: on Linux a per-thread cache of the
/// precise clock, refreshed when Environment.TickCount64 moves on or every eighth read). Its contract: never ahead of
/// the real time (a handoff is never early), and it keeps up once time passes (the starvation bound is late by at most
/// the lesser of seven unlocks on that thread and one kernel tick). Real threads, no controller: the production path.
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
}
