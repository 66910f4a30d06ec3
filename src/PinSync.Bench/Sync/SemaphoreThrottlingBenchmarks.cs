using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using AsyncCounter = DotNext.Threading.AsyncCounter;
using NitoAsyncSemaphore = Nito.AsyncEx.AsyncSemaphore;
using VsAsyncSemaphore = Microsoft.VisualStudio.Threading.AsyncSemaphore;

namespace PinSync.Bench.Sync;

/// <summary>
/// Throttling: <see cref="Workers"/> async workers pass through <see cref="Permits"/> permits, the typical
/// <see cref="SemaphoreSlim"/> use. <see cref="PinnedSemaphore"/> against <see cref="SemaphoreSlim"/>; figures are per
/// acquisition (a round makes <see cref="OpsPerRound"/>). Peers: DotNext <see cref="AsyncCounter"/> (its
/// semaphore shape: <c>WaitAsync</c> takes a unit, <c>Increment</c> gives it back), Nito <c>AsyncSemaphore</c>,
/// VS.Threading <c>AsyncSemaphore</c>.
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
    private readonly AsyncCounter _dotNext = new(Permits);
    private readonly NitoAsyncSemaphore _nito = new(Permits);
    private readonly VsAsyncSemaphore _vs = new(Permits);
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
        _dotNext.Dispose();
        _vs.Dispose();
    }

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "DotNext AsyncCounter(4): 64 workers, WaitAsync + Increment")]
    public Task DotNextThrottle() => Run(static self => self.DotNextWorker(OpsPerRound / Workers));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "Nito AsyncSemaphore(4): 64 workers, WaitAsync + Release")]
    public Task NitoThrottle() => Run(static self => self.NitoWorker(OpsPerRound / Workers));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "VS.Threading AsyncSemaphore(4): 64 workers, EnterAsync + dispose")]
    public Task VsThrottle() => Run(static self => self.VsWorker(OpsPerRound / Workers));

    private async Task Run(Func<SemaphoreThrottlingBenchmarks, ValueTask> worker)
    {
        for (var i = 0; i < Workers; i++)
        {
            _workers[i] = worker(this);
        }

        for (var i = 0; i < Workers; i++)
        {
            await _workers[i];
        }
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DotNextWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        for (var i = 0; i < ops; i++)
        {
            await _dotNext.WaitAsync();
            Interlocked.Increment(ref _counter);
            if (yieldInside)
            {
                await Task.Yield();
            }

            _dotNext.Increment();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask NitoWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        for (var i = 0; i < ops; i++)
        {
            await _nito.WaitAsync();
            Interlocked.Increment(ref _counter);
            if (yieldInside)
            {
                await Task.Yield();
            }

            _nito.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask VsWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        for (var i = 0; i < ops; i++)
        {
            using (await _vs.EnterAsync())
            {
                Interlocked.Increment(ref _counter);
                if (yieldInside)
                {
                    await Task.Yield();
                }
            }
        }
    }
}
