using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>The runtime's coarse request-timeout sweep: a stuck call fails among many that complete, completed calls
/// leave nothing behind, and the sweep re-arms after it has gone idle.</summary>
public sealed class GrainRequestDeadlineTests : TestBase
{
    // The timeout of the stuck calls: long enough that a fast call, or a stuck call still queued for its activation's
    // first turn, does not time out on a loaded machine (50 ms did, 1-4 times in 160,000 calls at load ~10, with or
    // without request pooling).
    private static readonly TimeSpan StuckTimeout = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task StuckCallAmongFastCalls_TimesOutAndCompletedCallsAreUnlinked()
    {
        var key = GrainEvents.NewKey("deadline");
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = StuckTimeout });
        var stuck = runtime.GetGrain<IFaultyGrain>(key).WaitForCancellation(CancellationToken.None);
        var fast = Enumerable.Range(0, 8).Select(i => runtime.GetGrain<IFaultyGrain>(GrainEvents.NewKey("fast"))).ToArray();

        var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                Assert.Equal(i, await fast[c].Echo(i));
            }
        }));
        await WithTimeout(Task.WhenAll(callers));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => WithTimeout(stuck));
        Assert.Contains("IFaultyGrain.WaitForCancellation", error.Message, StringComparison.Ordinal);
        await WithTimeout(GrainEvents.For(key).TokenCancelled.Task);
        Assert.Equal(0, runtime.Deadlines!.PendingCount);
    }

    [Fact]
    public async Task SecondStuckCall_AfterTheSweepWentIdle_TimesOutToo()
    {
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = StuckTimeout });

        for (var round = 0; round < 3; round++)
        {
            var key = GrainEvents.NewKey("deadline-again");
            var grain = runtime.GetGrain<IFaultyGrain>(key);

            await Assert.ThrowsAsync<TimeoutException>(() => WithTimeout(grain.WaitForCancellation(CancellationToken.None)));
            await WithTimeout(GrainEvents.For(key).TokenCancelled.Task);
            Assert.Equal(0, runtime.Deadlines!.PendingCount);
            Assert.Equal(round, await WithTimeout(grain.Echo(round).AsTask()));
        }
    }

    [Fact]
    public async Task StuckCalls_SentWhileTheSweepIsIdleOrTicking_NeverTimeOutEarly()
    {
        // Deadlines are counted in sweep ticks (no clock read per send): a call sent while the sweep is idle (first)
        // or between two of its ticks (second) must still wait its whole timeout. One-sided, so load cannot break it.
        var timeout = TimeSpan.FromMilliseconds(100);
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = timeout });
        var first = TimedStuckCall(runtime);
        await Task.Delay(timeout / 3);
        var second = TimedStuckCall(runtime);

        foreach (var elapsed in await WithTimeout(Task.WhenAll(first, second)))
        {
            Assert.True(elapsed >= timeout, $"a {timeout.TotalMilliseconds} ms timeout fired after {elapsed.TotalMilliseconds} ms");
        }
    }

    private static async Task<TimeSpan> TimedStuckCall(GrainRuntime runtime)
    {
        var grain = runtime.GetGrain<IFaultyGrain>(GrainEvents.NewKey("early"));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await Assert.ThrowsAsync<TimeoutException>(() => grain.WaitForCancellation(CancellationToken.None));
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    [Fact]
    public async Task ManyStuckCalls_TimeOut_WhileFastCallsAmongThemAnswer()
    {
        // A hundred stuck calls sent from one thread (mostly one stripe's list), fast calls linked and unlinked among them:
        // every stuck call still times out, its grain's token fires, and nothing stays linked.
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = StuckTimeout });
        var keys = Enumerable.Range(0, 100).Select(_ => GrainEvents.NewKey("stuck-many")).ToArray();
        var stuck = keys.Select(key => runtime.GetGrain<IFaultyGrain>(key).WaitForCancellation(CancellationToken.None)).ToArray();
        Assert.Equal(100, runtime.Deadlines!.PendingCount);

        var fast = runtime.GetGrain<IFaultyGrain>(GrainEvents.NewKey("fast-among"));
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(i, await fast.Echo(i));
        }

        foreach (var call in stuck)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => WithTimeout(call));
        }

        foreach (var key in keys)
        {
            await WithTimeout(GrainEvents.For(key).TokenCancelled.Task);
        }

        Assert.Equal(0, runtime.Deadlines.PendingCount);
    }

    /// <summary>The completer's unlink races the sweep's (in a child process: a hold released twice fails a debug
    /// assertion, which would end the test host).</summary>
    [Fact]
    public void CallsAnsweringAsTheirDeadlinePasses_EachGetsOneOutcome_AndEveryRequestComesBackOnce() =>
        ChildProcess.Run(DeadlineRaceScenario.Run);

    [Fact]
    public async Task InfiniteTimeout_HasNoSweep()
    {
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = Timeout.InfiniteTimeSpan });

        Assert.Null(runtime.Deadlines);
        Assert.Equal(5, await WithTimeout(runtime.GetGrain<IFaultyGrain>(GrainEvents.NewKey("untimed")).Echo(5).AsTask()));
    }
}
