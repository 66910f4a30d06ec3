using PinSync.Testing;
using PinSync.Testing.Xunit;

namespace PinSync.Tests.Testing.Xunit;

/// <summary>[ExplorerFact] and [ExplorerTheory] used as a test author uses them: correct programs pass under the
/// explorer (the failing side is in <see cref="ExplorerTestCaseRunnerTests"/>, run programmatically).</summary>
public sealed class ExplorerFactTests
{
    private static int s_iterations;

    [ExplorerFact(Iterations = 300, Strategy = "pct:3", Seed = 1)]
    public async Task LockAsyncAndLock_NoLostUpdate()
    {
        Interlocked.Increment(ref s_iterations);
        using var mutex = new PinnedMutex<int>(0);
        var a = Explorer.Spawn("async", async () => { using var g = await mutex.LockAsync(); g.Value++; });
        var b = Explorer.Spawn("sync", () => { using var g = mutex.Lock(); g.Value++; });
        await Task.WhenAll(a, b);
        using var last = mutex.Lock();
        Explorer.Assert(last.Value == 2, "lost update");
    }

    [ExplorerFact(Iterations = 100, Strategy = "dfs:2")]
    public void SynchronousBody_RunsUnderTheExplorer()
    {
        Assert.True(Explorer.IsRunning, "an [ExplorerFact] body runs inside Explorer.Run");
        // Not disposed by the body: the spawned operation may still use it after the body returns (the explorer
        // checks that it finishes).
        var semaphore = new PinnedSemaphore(1, 1);
        _ = Explorer.Spawn(() => { semaphore.Wait(); semaphore.Release(); });
        semaphore.Wait();
        semaphore.Release();
    }

    [ExplorerTheory(Iterations = 200, Strategy = "random", Seed = 2)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task SemaphoreOfN_NeverMoreThanNInside(int permits)
    {
        using var semaphore = new PinnedSemaphore(permits, permits);
        var inside = 0;
        async Task Enter()
        {
            await semaphore.WaitAsync();
            var now = Interlocked.Increment(ref inside);
            Explorer.Assert(now <= permits, $"{now} inside a semaphore of {permits}");
            await Task.Yield();
            Interlocked.Decrement(ref inside);
            semaphore.Release();
        }

        var flows = new Task[permits + 1];
        for (var i = 0; i < flows.Length; i++)
        {
            flows[i] = Explorer.Spawn(Enter);
        }

        await Task.WhenAll(flows);
    }

    [Fact]
    public void ExplorerFact_RanItsIterations()
    {
        // Tests of one class run one after another: when this one runs after the explorer fact, it saw 300 iterations;
        // run alone, it saw none. Either way never a partial count.
        var seen = Volatile.Read(ref s_iterations);
        Assert.True(seen is 0 or 300, $"{seen} iterations");
    }
}
