using PinSync.Runtime.Internal;

namespace PinSync.Tests.Runtime;

/// <summary>
/// The request-timeout sweep's schedule (RequestDeadlines, remarks "Clock"), simulated on a virtual clock: the ticks
/// keep to their grid when the timer runs a little late, a request never times out before its timeout whatever the
/// lateness, and the slack the due epoch carries is the least that keeps that (one epoch less times out early).
/// </summary>
public sealed class RequestDeadlineScheduleTests
{
    private const long Resolution = 2 * TimeSpan.TicksPerMillisecond;
    private const long Timeout = 20 * TimeSpan.TicksPerMillisecond;

    [Fact]
    public void TicksThatRunALittleLate_StayOnTheGrid()
    {
        long planned = 0;
        for (var tick = 1; tick <= 1000; tick++)
        {
            var ran = planned + (Resolution * 9 / 10); // every tick 0.9 resolutions late
            planned = RequestDeadlines.NextTick(planned, ran, Resolution);
            Assert.Equal(tick * Resolution, planned);
        }
    }

    [Fact]
    public void ATickThatRanWhollyLate_PlansTheNextForNow_NeverCloserThanAResolution()
    {
        Assert.Equal(10 * Resolution, RequestDeadlines.NextTick(0, 10 * Resolution, Resolution));
        Assert.Equal(Resolution, RequestDeadlines.NextTick(0, 0, Resolution));
        Assert.Equal(5 * Resolution, RequestDeadlines.NextTick(4 * Resolution, 4 * Resolution, Resolution));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.2)]
    [InlineData(3.0)]
    public void NoRequestTimesOutEarly_WhateverTheTimersLateness(double maxLatenessInResolutions)
    {
        var due = RequestDeadlines.DueAfterEpochs(Timeout, Resolution);
        Assert.Null(FindEarlyTimeout(due, maxLatenessInResolutions, seed: 1));
    }

    [Fact]
    public void OneEpochLessSlack_TimesOutEarly_WhenTicksRunLate()
    {
        var due = RequestDeadlines.DueAfterEpochs(Timeout, Resolution) - 1;
        Assert.NotNull(FindEarlyTimeout(due, maxLatenessInResolutions: 1.5, seed: 1));
    }

    [Fact]
    public void TheFirstTickAfterIdle_CountsFromTheArming_NotFromTheLastTick()
    {
        // A request sent long after the sweep went idle reads the old epoch; the sweep is armed a resolution ahead of
        // the send, so the idle time does not count toward its timeout.
        var due = RequestDeadlines.DueAfterEpochs(Timeout, Resolution);
        var send = 1_000 * Resolution;
        var planned = send + Resolution;
        var ran = planned;
        for (var epoch = 1; epoch < due; epoch++)
        {
            planned = RequestDeadlines.NextTick(planned, ran, Resolution);
            ran = planned;
        }

        Assert.True(ran - send >= Timeout, $"due after {(ran - send) / (double)TimeSpan.TicksPerMillisecond} ms");
    }

    /// <summary>Runs the sweep's schedule for 20,000 ticks with random lateness, sends a request at the last moment
    /// that still reads each epoch (just before the next tick publishes: the send that waits least) and returns the
    /// first one whose due tick ran before its timeout.</summary>
    private static string? FindEarlyTimeout(long dueAfterEpochs, double maxLatenessInResolutions, int seed)
    {
        var random = new Random(seed);
        const int ticks = 20_000;
        var ran = new long[ticks + 1]; // ran[e]: when tick e published epoch e (ran[0]: the sweep armed at 0)
        long planned = Resolution;
        for (var epoch = 1; epoch <= ticks; epoch++)
        {
            var late = (long)(random.NextDouble() * maxLatenessInResolutions * Resolution);
            ran[epoch] = planned + late;
            var now = ran[epoch] + (long)(random.NextDouble() * 0.1 * Resolution); // the tick's own work
            planned = RequestDeadlines.NextTick(planned, now, Resolution);
        }

        for (var epoch = 0; epoch + dueAfterEpochs <= ticks; epoch++)
        {
            // The latest send that still reads this epoch: just before the next tick publishes.
            var send = ran[epoch + 1] - 1;
            var firedAt = ran[epoch + dueAfterEpochs];
            if (firedAt - send < Timeout)
            {
                return $"sent at {send}, epoch {epoch}, timed out after {(firedAt - send) / (double)TimeSpan.TicksPerMillisecond} ms";
            }
        }

        return null;
    }
}
