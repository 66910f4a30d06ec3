namespace PinSync.Coyote.Tests;

/// <summary>The adapter's own behaviour: virtual-time timeouts are explored both ways, runs are deterministic.</summary>
public sealed class CoyoteAdapterTests
{
    private static int s_timedOut;
    private static int s_acquired;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TimeoutsAreExploredBothWays(bool async)
    {
        s_timedOut = 0;
        s_acquired = 0;
        var result = PinSyncCoyote.Test(() => TimedWait(async), Strategies.Strict("random", 300, 7));

        Assert.False(result.BugFound, result.FirstBug);
        Assert.True(s_timedOut > 0, "no iteration took the timeout");
        Assert.True(s_acquired > 0, "no iteration got the mutex in time");
    }

    [Fact]
    public async Task CoyoteOutsideATestRunsAsProduction()
    {
        // Installed (by another test or here) and no Coyote iteration running: the seam still works, plainly.
        PinSyncCoyote.Install();
        await Programs.MutexCounter(Host.Coyote, twoSections: false, async: true).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void SameSeedSameSchedules()
    {
        var body = Programs.Bugs.Single(p => p.Name == "if instead of while on CondVar").Body(Host.Coyote);
        var first = PinSyncCoyote.Test(body, Strategies.Strict("pct", 1_000, 99));
        var second = PinSyncCoyote.Test(body, Strategies.Strict("pct", 1_000, 99));

        Assert.True(first.BugFound);
        Assert.Equal(first.Iterations, second.Iterations);
        Assert.Equal(first.ReproducibleTrace, second.ReproducibleTrace);
    }

    private static async Task TimedWait(bool async)
    {
        using var mutex = new PinnedMutex<int>(0);
        var holder = Task.Run(async () =>
        {
            using var guard = await mutex.LockAsync();
            PinSync.Scheduling.SchedulingPoint.Interleave();
            guard.Value++;
        });
        var waiter = Task.Run(async () =>
        {
            MutexGuard<int> guard;
            if (async)
            {
                guard = await mutex.TryLockAsync(TimeSpan.FromSeconds(1));
            }
            else
            {
                mutex.TryLock(TimeSpan.FromSeconds(1), out guard);
            }

            if (guard.Acquired)
            {
                Interlocked.Increment(ref s_acquired);
                guard.Dispose();
            }
            else
            {
                Interlocked.Increment(ref s_timedOut);
            }
        });
        await Host.All(holder, waiter);
    }
}
