using BenchmarkDotNet.Attributes;
using PinSync.Runtime;

namespace PinSync.Bench.Runtime;

/// <summary>
/// How long a caller waits to learn that A → B → A deadlocks (A non-reentrant): from the call to the
/// <see cref="GrainDeadlockException"/>. The issue asks for well under 100 ms; Orleans would wait for its 30 s
/// response timeout. And how long two independent chains (A → B ∥ B → A) wait for the wait-for graph's report, with
/// no request timeout at all (Orleans: its response timeout; PinSync before the graph: forever).
/// </summary>
[MemoryDiagnoser]
public class DeadlockReportBenchmarks
{
    private GrainRuntime _runtime = null!;
    private GrainRuntime _untimed = null!;
    private IChainBenchGrain _a = null!;
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new GrainRuntime();
        _a = _runtime.GetGrain<IChainBenchGrain>("a");
        _untimed = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _untimed.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "A -> B -> A reported (GrainDeadlockException)")]
    public async Task<int> CycleReported()
    {
        try
        {
            return await _a.CallBack("b", "a");
        }
        catch (GrainDeadlockException)
        {
            return -1;
        }
    }

    [Benchmark(Description = "A -> B || B -> A reported (wait-for graph, no request timeout)")]
    public async Task<int> CrossChainCycleReported()
    {
        // Fresh grains each time: both first requests run (they wait for one meeting), then call each other.
        var round = Interlocked.Increment(ref _round).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var meeting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _untimed.GetGrain<ICrossBenchGrain>("a" + round).CallAfterMeeting("b" + round, meeting.Task).AsTask();
        var second = _untimed.GetGrain<ICrossBenchGrain>("b" + round).CallAfterMeeting("a" + round, meeting.Task).AsTask();
        meeting.SetResult();
        var reported = 0;
        foreach (var chain in new[] { first, second })
        {
            try
            {
                await chain;
            }
            catch (GrainDeadlockException)
            {
                reported++;
            }
        }

        return reported;
    }
}
