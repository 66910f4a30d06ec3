using BenchmarkDotNet.Attributes;
using PinSync.Runtime;

namespace PinSync.Bench.Runtime;

/// <summary>
/// How long a caller waits to learn that A → B → A deadlocks (A non-reentrant): from the call to the
/// <see cref="GrainDeadlockException"/>. The issue asks for well under 100 ms; Orleans would wait for its 30 s
/// response timeout.
/// </summary>
[MemoryDiagnoser]
public class DeadlockReportBenchmarks
{
    private GrainRuntime _runtime = null!;
    private IChainBenchGrain _a = null!;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new GrainRuntime();
        _a = _runtime.GetGrain<IChainBenchGrain>("a");
    }

    [GlobalCleanup]
    public void Cleanup() => _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();

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
}
