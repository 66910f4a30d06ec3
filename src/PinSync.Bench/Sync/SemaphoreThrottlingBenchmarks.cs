using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace PinSync.Bench.Sync;

/// <summary>
/// Throttling: <see cref="Workers"/> async workers pass through <see cref="Permits"/> permits, the typical
/// <see cref="SemaphoreSlim"/> use. <see cref="PinnedSemaphore"/> against <see cref="SemaphoreSlim"/>; figures are per
/// acquisition (a round makes <see cref="OpsPerRound"/>).
/// </summary>
[MemoryDiagnoser]
public class SemaphoreThrottlingBenchmarks
{
    /// <summary>Concurrent workers.</summary>
    public const int Workers = 64;

    /// <summary>Permits.</summary>
    public const int Permits = 4;

    /// <summary>Acquisitions per round, over all workers.</summary>
    public const int OpsPerRound = 1 << 16;

    private readonly SemaphoreSlim _semaphoreSlim = new(Permits, Permits);
    private readonly PinnedSemaphore _semaphore = new(Permits, Permits);
    private readonly ValueTask[] _workers = new ValueTask[Workers];
    private long _counter;

    /// <summary>What a worker does while it holds a permit.</summary>
    [Params(HoldBody.Increment, HoldBody.Yield)]
    public HoldBody Body { get; set; }

    [GlobalCleanup]
    public void Cleanup()
    {
        _semaphoreSlim.Dispose();
        _semaphore.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerRound, Description = "SemaphoreSlim(4): 64 workers, WaitAsync + Release")]
    public async Task SemaphoreSlimThrottle()
    {
        for (var i = 0; i < Workers; i++)
        {
            _workers[i] = SemaphoreSlimWorker(OpsPerRound / Workers);
        }

        for (var i = 0; i < Workers; i++)
        {
            await _workers[i];
        }
    }

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "PinnedSemaphore(4): 64 workers, WaitAsync + Release")]
    public async Task PinnedSemaphoreThrottle()
    {
        for (var i = 0; i < Workers; i++)
        {
            _workers[i] = PinnedSemaphoreWorker(OpsPerRound / Workers);
        }

        for (var i = 0; i < Workers; i++)
        {
            await _workers[i];
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SemaphoreSlimWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        for (var i = 0; i < ops; i++)
        {
            await _semaphoreSlim.WaitAsync();
            Interlocked.Increment(ref _counter);
            if (yieldInside)
            {
                await Task.Yield();
            }

            _semaphoreSlim.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PinnedSemaphoreWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        for (var i = 0; i < ops; i++)
        {
            await _semaphore.WaitAsync();
            Interlocked.Increment(ref _counter);
            if (yieldInside)
            {
                await Task.Yield();
            }

            _semaphore.Release();
        }
    }
}
