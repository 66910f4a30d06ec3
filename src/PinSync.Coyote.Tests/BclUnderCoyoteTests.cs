using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.SystematicTesting;

namespace PinSync.Coyote.Tests;

/// <summary>What plain Coyote (no adapter) does with the BCL primitives of <see cref="BclPrograms"/>: the limit behind
/// the head-to-head's 0/5 row for "timeout taken as holder death" on BCL primitives.</summary>
public sealed class BclUnderCoyoteTests
{
    private static int s_timeouts;
    private static int s_acquired;
    private static int s_heldAtWait;

    [Fact]
    public void TimedSemaphoreSlimWaitNeverTimesOutUnderCoyote()
    {
        PinSyncCoyote.Uninstall();
        s_timeouts = 0;
        s_acquired = 0;
        s_heldAtWait = 0;
        using var engine = TestingEngine.Create(Strategies.Strict("random", 300, 7), TimedWait);
        engine.Run();

        Assert.Equal(0, engine.TestReport.NumOfFoundBugs);
        // Coyote 1.7.11 models SemaphoreSlim.Wait(timeout) as an untimed wait: a held semaphore is always waited out.
        // If a later Coyote explores the timeout, this fails and the head-to-head's BCL timeout row changes.
        Assert.Equal(0, s_timeouts);
        Assert.Equal(300, s_acquired);
        // ...and that includes waits that began while the holder held it (so the timeout was a real option).
        Assert.InRange(s_heldAtWait, 1, 300);
    }

    private static async Task TimedWait()
    {
        using var gate = new SemaphoreSlim(1, 1);
        var holder = Task.Run(() =>
        {
            gate.Wait();
            SchedulingPoint.Interleave();
            gate.Release();
        });
        var watcher = Task.Run(() =>
        {
            if (gate.CurrentCount == 0)
            {
                Interlocked.Increment(ref s_heldAtWait);
            }

            if (gate.Wait(TimeSpan.FromMilliseconds(50)))
            {
                Interlocked.Increment(ref s_acquired);
                gate.Release();
            }
            else
            {
                Interlocked.Increment(ref s_timeouts);
            }
        });
        await Host.All(holder, watcher);
    }
}
