using BenchmarkDotNet.Attributes;
using PinSync.Runtime;

namespace PinSync.Bench.Runtime;

/// <summary>
/// Latency of one local grain call, awaited before the next (a round trip: enqueue, turn, completion, resume), for
/// a non-reentrant and a reentrant grain through source-generated references, a non-reentrant one through the
/// DispatchProxy fallback, against a Channel-per-actor loop doing the same work (the floor). Figures are per call.
/// </summary>
[MemoryDiagnoser]
public class GrainCallBenchmarks
{
    /// <summary>Calls per invocation.</summary>
    public const int Ops = 64;

    private GrainRuntime _runtime = null!;
    private IBenchGrain _grain = null!;
    private IReentrantBenchGrain _reentrant = null!;
    private GrainRuntime _proxyRuntime = null!;
    private IBenchGrain _proxied = null!;
    private ChannelActor _actor = null!;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new GrainRuntime();
        _grain = _runtime.GetGrain<IBenchGrain>("latency");
        _reentrant = _runtime.GetGrain<IReentrantBenchGrain>("latency");
        _proxyRuntime = new GrainRuntime(new GrainRuntimeOptions { UseGeneratedReferences = false });
        _proxied = _proxyRuntime.GetGrain<IBenchGrain>("latency");
        _actor = new ChannelActor();
        _proxied.Add(0).AsTask().GetAwaiter().GetResult();
        _grain.Add(0).AsTask().GetAwaiter().GetResult();
        _reentrant.Add(0).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _proxyRuntime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _actor.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "Channel-per-actor: await call (floor)")]
    public async Task ChannelActorCall()
    {
        for (var i = 0; i < Ops; i++)
        {
            await _actor.Add(1);
        }
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Grain, non-reentrant: await call")]
    public async Task NonReentrantCall()
    {
        for (var i = 0; i < Ops; i++)
        {
            await _grain.Add(1);
        }
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Grain, non-reentrant, DispatchProxy reference: await call")]
    public async Task ProxyCall()
    {
        for (var i = 0; i < Ops; i++)
        {
            await _proxied.Add(1);
        }
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Grain, reentrant: await call")]
    public async Task ReentrantCall()
    {
        for (var i = 0; i < Ops; i++)
        {
            await _reentrant.Add(1);
        }
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "GetGrain (proxy creation)")]
    public object GetGrain()
    {
        object last = null!;
        for (var i = 0; i < Ops; i++)
        {
            last = _runtime.GetGrain<IBenchGrain>("latency");
        }

        return last;
    }
}
