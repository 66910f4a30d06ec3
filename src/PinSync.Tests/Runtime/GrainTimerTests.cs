using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Grain timers: ticks are turns, never overlap, obey non-reentrancy, stop at deactivation.</summary>
public sealed class GrainTimerTests : TestBase
{
    [Fact]
    public async Task RegisterTimer_Periodic_TicksWithoutOverlapping()
    {
        var key = GrainEvents.NewKey("timer");
        var events = GrainEvents.For(key);
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<ILifecycleGrain>(key);

        await grain.StartTimer(TimeSpan.FromMilliseconds(5), interleave: false);
        await WithTimeout(events.ThreeTicks.Task);

        Assert.Equal(0, events.TimerOverlaps);
    }

    [Fact]
    public async Task RegisterTimer_NonInterleavingDuringLongRequest_NoTickRunsInsideTheRequest()
    {
        var key = GrainEvents.NewKey("timer-nr");
        var events = GrainEvents.For(key);
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<ILifecycleGrain>(key);

        await grain.StartTimer(TimeSpan.FromMilliseconds(1), interleave: false);
        for (var i = 0; i < 20; i++)
        {
            await WithTimeout(grain.LongRequest(50).AsTask());
        }

        await WithTimeout(events.ThreeTicks.Task);
        Assert.Equal(0, events.TicksDuringRequest);
    }

    [Fact]
    public async Task RegisterTimer_AfterDeactivation_StopsTicking()
    {
        var key = GrainEvents.NewKey("timer-stop");
        var events = GrainEvents.For(key);
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<ILifecycleGrain>(key);
        await grain.StartTimer(TimeSpan.FromMilliseconds(2), interleave: false);
        await WithTimeout(events.ThreeTicks.Task);

        await grain.DeactivateAfterThis();
        await WithTimeout(events.Deactivated.Task);
        var ticksAtDeactivation = events.TimerTicks;
        await Task.Delay(ExpectedTimeout); // a negative check: nothing may tick in this window

        Assert.Equal(ticksAtDeactivation, events.TimerTicks);
    }
}
