using BenchmarkDotNet.Attributes;
using PinSync.Runtime;

namespace PinSync.Bench.Runtime;

/// <summary>
/// Throughput of local grain calls: <see cref="Callers"/> concurrent callers, each awaiting <see cref="CallsPerCaller"/>
/// calls, spread over <see cref="Grains"/> grains (non-reentrant and reentrant), against Channel-per-actor loops. Figures
/// are per call; calls/s = 1 / mean.
/// </summary>
[MemoryDiagnoser]
public class GrainThroughputBenchmarks
{
    public const int Callers = 64;
    public const int CallsPerCaller = 200;
    public const int Grains = 16;
    private const int Ops = Callers * CallsPerCaller;

    private GrainRuntime _runtime = null!;
    private IBenchGrain[] _grains = null!;
    private IReentrantBenchGrain[] _reentrant = null!;
    private GrainRuntime _untimedRuntime = null!;
    private IBenchGrain[] _untimed = null!;
    private ChannelActor[] _actors = null!;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new GrainRuntime();
        _grains = Enumerable.Range(0, Grains).Select(i => _runtime.GetGrain<IBenchGrain>("t" + i)).ToArray();
        _reentrant = Enumerable.Range(0, Grains).Select(i => _runtime.GetGrain<IReentrantBenchGrain>("t" + i)).ToArray();
        _actors = Enumerable.Range(0, Grains).Select(_ => new ChannelActor()).ToArray();
        _untimedRuntime = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        _untimed = Enumerable.Range(0, Grains).Select(i => _untimedRuntime.GetGrain<IBenchGrain>("t" + i)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _untimedRuntime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (var actor in _actors)
        {
            actor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "Channel-per-actor: 64 callers x 16 actors (floor)")]
    public Task ChannelActors() => Run(async caller =>
    {
        for (var i = 0; i < CallsPerCaller; i++)
        {
            await _actors[(caller + i) % Grains].Add(1);
        }
    });

    [Benchmark(OperationsPerInvoke = Ops, Description = "Grains, non-reentrant: 64 callers x 16 grains")]
    public Task NonReentrantGrains() => Run(async caller =>
    {
        for (var i = 0; i < CallsPerCaller; i++)
        {
            await _grains[(caller + i) % Grains].Add(1);
        }
    });

    [Benchmark(OperationsPerInvoke = Ops, Description = "Grains, non-reentrant, no request timeout: 64 callers x 16 grains")]
    public Task UntimedGrains() => Run(async caller =>
    {
        for (var i = 0; i < CallsPerCaller; i++)
        {
            await _untimed[(caller + i) % Grains].Add(1);
        }
    });

    [Benchmark(OperationsPerInvoke = Ops, Description = "Grains, reentrant: 64 callers x 16 grains")]
    public Task ReentrantGrains() => Run(async caller =>
    {
        for (var i = 0; i < CallsPerCaller; i++)
        {
            await _reentrant[(caller + i) % Grains].Add(1);
        }
    });

    private static Task Run(Func<int, Task> caller)
    {
        var callers = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            var id = c;
            callers[c] = Task.Run(() => caller(id));
        }

        return Task.WhenAll(callers);
    }
}
