using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Orleans' programming model on PinSync.Runtime: key interfaces and accessors, RegisterGrainTimer with
/// options, IGrainTimer.Change, keep-alive ticks.</summary>
public sealed class GrainOrleansModelTests : TestBase
{
    [Fact]
    public async Task GetGrain_IntegerKey_GrainReadsItsKeyAndItNamesTheSameGrainAsItsText()
    {
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IIntegerKeyGrain>(-42L);

        Assert.Equal(-42L, await WithTimeout(grain.Key().AsTask()));
        Assert.Equal("-42", await WithTimeout(grain.KeyText().AsTask()));
        Assert.Equal(1, runtime.ActivationCount);
        await WithTimeout(runtime.GetGrain<IIntegerKeyGrain>("-42").Key().AsTask());
        Assert.Equal(1, runtime.ActivationCount);
    }

    [Fact]
    public async Task GetGrain_GuidKey_GrainReadsItsKey()
    {
        var key = Guid.NewGuid();
        await using var runtime = new GrainRuntime();

        Assert.Equal(key, await WithTimeout(runtime.GetGrain<IGuidKeyGrain>(key).Key().AsTask()));
    }

    [Fact]
    public async Task GetPrimaryKeyLong_OnStringKey_FailsClearly()
    {
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<IStringKeyGrain>("alice");

        Assert.Equal("alice", await WithTimeout(grain.Key().AsTask()));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WithTimeout(grain.KeyAsInteger().AsTask()));
        Assert.Contains("'alice'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterGrainTimer_ChangeToInfiniteThenBack_PausesAndResumes()
    {
        var key = GrainEvents.NewKey("ticking");
        var events = GrainEvents.For(key);
        await using var runtime = new GrainRuntime();
        var grain = runtime.GetGrain<ITickingGrain>(key);

        await WithTimeout(grain.Start(TimeSpan.FromMilliseconds(5), keepAlive: false).AsTask());
        await WithTimeout(events.ThreeTicks.Task);
        await WithTimeout(grain.Pause().AsTask());
        var paused = events.TimerTicks;
        await Task.Delay(TimeSpan.FromMilliseconds(100));
        Assert.True(events.TimerTicks <= paused + 1, $"{events.TimerTicks - paused} ticks after the pause"); // one may be in flight

        var resumedFrom = events.TimerTicks;
        await WithTimeout(grain.Resume(TimeSpan.FromMilliseconds(5)).AsTask());
        var deadline = DateTime.UtcNow + UnexpectedTimeout;
        while (events.TimerTicks < resumedFrom + 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.True(events.TimerTicks >= resumedFrom + 3, "the timer did not resume");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RegisterGrainTimer_KeepAlive_DecidesWhetherTicksCountAsActivity(bool keepAlive)
    {
        // White-box: the idle collector compares this mark with CollectionAge (a wall-clock race test would depend on
        // the pool's latency; this one does not).
        var key = GrainEvents.NewKey("keepalive");
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions { CollectionAge = Timeout.InfiniteTimeSpan });
        var grain = runtime.GetGrain<ITickingGrain>(key);
        await WithTimeout(grain.Start(TimeSpan.FromMilliseconds(5), keepAlive).AsTask());
        var activation = Assert.Single(runtime.Activations);

        // After three ticks the calls' own marks are written (they finish in turns before the ticks' turns).
        var events = GrainEvents.For(key);
        await WithTimeout(events.ThreeTicks.Task);
        var afterThreeTicks = activation.LastActiveTicks;
        var deadline = DateTime.UtcNow + UnexpectedTimeout;
        while (events.TimerTicks < 6 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.True(events.TimerTicks >= 6, "the timer stopped ticking");
        Assert.Equal(keepAlive, activation.LastActiveTicks > afterThreeTicks);
    }
}
