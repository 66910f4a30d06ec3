using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using PinSync.Bench.Infrastructure;
using AsyncExclusiveLock = DotNext.Threading.AsyncExclusiveLock;
using NitoAsyncLock = Nito.AsyncEx.AsyncLock;

namespace PinSync.Bench.Sync;

/// <summary>
/// Mixed blocking and async contention on one primitive (issue 13): <see cref="Threads"/> dedicated threads take it
/// with the blocking call while <see cref="Tasks"/> pooled async workers take it with the async one, each making an
/// equal share of <see cref="OpsPerRound"/> acquisitions (increment inside). The round ends when the slowest worker
/// is done, so a side that is starved, or a handover that turns into a convoy (every acquisition behind a
/// thread-pool hop), lengthens it: the figure is per acquisition over both sides. Peers with both a blocking and an
/// async acquisition: <see cref="SemaphoreSlim"/> (baseline), DotNext <see cref="AsyncExclusiveLock"/>
/// (<c>TryAcquire(infinite)</c> / <c>AcquireAsync</c>), Nito <c>AsyncLock</c> (<c>Lock</c> / <c>LockAsync</c>).
/// VS.Threading's <c>AsyncSemaphore</c> has no blocking acquisition.
/// </summary>
[MemoryDiagnoser]
public class MixedContentionBenchmarks
{
    /// <summary>Acquisitions per round, over all workers.</summary>
    public const int OpsPerRound = 1 << 14;

    private readonly SemaphoreSlim _semaphoreSlim = new(1, 1);
    private readonly PinnedMutex<long> _mutex = new(0);
    private readonly PinnedSemaphore _semaphore = new(1, 1);
    private readonly AsyncExclusiveLock _dotNext = new();
    private readonly NitoAsyncLock _nito = new();
    private readonly ValueTask[] _workers = new ValueTask[8];
    private ThreadCrew? _crew;
    private long _counter;

    /// <summary>Blocking threads.</summary>
    [Params(2)]
    public int Threads { get; set; }

    /// <summary>Async workers.</summary>
    [Params(2)]
    public int Tasks { get; set; }

    private int Share => OpsPerRound / (Threads + Tasks);

    [GlobalSetup(Target = nameof(SemaphoreSlimRound))]
    public void SetupSemaphoreSlim() => _crew = new ThreadCrew(Threads, _ => SemaphoreSlimBlocking(Share));

    [GlobalSetup(Target = nameof(PinnedMutexRound))]
    public void SetupPinnedMutex() => _crew = new ThreadCrew(Threads, _ => PinnedMutexBlocking(Share));

    [GlobalSetup(Target = nameof(PinnedSemaphoreRound))]
    public void SetupPinnedSemaphore() => _crew = new ThreadCrew(Threads, _ => PinnedSemaphoreBlocking(Share));

    [GlobalSetup(Target = nameof(DotNextRound))]
    public void SetupDotNext() => _crew = new ThreadCrew(Threads, _ => DotNextBlocking(Share));

    [GlobalSetup(Target = nameof(NitoRound))]
    public void SetupNito() => _crew = new ThreadCrew(Threads, _ => NitoBlocking(Share));

    [GlobalCleanup]
    public void Cleanup()
    {
        _crew?.Dispose();
        _crew = null;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerRound, Description = "SemaphoreSlim(1,1): Wait / WaitAsync, threads + tasks")]
    public Task SemaphoreSlimRound() => RunRound(static self => self.SemaphoreSlimAsync(self.Share));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "PinnedMutex: Lock / LockAsync, threads + tasks")]
    public Task PinnedMutexRound() => RunRound(static self => self.PinnedMutexAsync(self.Share));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "PinnedSemaphore(1): Wait / WaitAsync, threads + tasks")]
    public Task PinnedSemaphoreRound() => RunRound(static self => self.PinnedSemaphoreAsync(self.Share));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "DotNext AsyncExclusiveLock: TryAcquire / AcquireAsync, threads + tasks")]
    public Task DotNextRound() => RunRound(static self => self.DotNextAsync(self.Share));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "Nito AsyncLock: Lock / LockAsync, threads + tasks")]
    public Task NitoRound() => RunRound(static self => self.NitoAsync(self.Share));

    private async Task RunRound(Func<MixedContentionBenchmarks, ValueTask> worker)
    {
        for (var i = 0; i < Tasks; i++)
        {
            _workers[i] = worker(this);
        }

        _crew!.RunRound(); // the blocking side, on the crew's threads; this thread waits at the barrier meanwhile
        for (var i = 0; i < Tasks; i++)
        {
            await _workers[i];
            _workers[i] = default;
        }
    }

    private void SemaphoreSlimBlocking(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            _semaphoreSlim.Wait();
            Interlocked.Increment(ref _counter);
            _semaphoreSlim.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SemaphoreSlimAsync(int ops)
    {
        await Task.Yield();
        for (var i = 0; i < ops; i++)
        {
            await _semaphoreSlim.WaitAsync();
            Interlocked.Increment(ref _counter);
            _semaphoreSlim.Release();
        }
    }

    private void PinnedMutexBlocking(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            using var guard = _mutex.Lock();
            guard.Value++;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PinnedMutexAsync(int ops)
    {
        await Task.Yield();
        for (var i = 0; i < ops; i++)
        {
            using var guard = await _mutex.LockAsync();
            guard.Value++;
        }
    }

    private void PinnedSemaphoreBlocking(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            _semaphore.Wait();
            Interlocked.Increment(ref _counter);
            _semaphore.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PinnedSemaphoreAsync(int ops)
    {
        await Task.Yield();
        for (var i = 0; i < ops; i++)
        {
            await _semaphore.WaitAsync();
            Interlocked.Increment(ref _counter);
            _semaphore.Release();
        }
    }

    private void DotNextBlocking(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            _dotNext.TryAcquire(Timeout.InfiniteTimeSpan);
            Interlocked.Increment(ref _counter);
            _dotNext.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DotNextAsync(int ops)
    {
        await Task.Yield();
        for (var i = 0; i < ops; i++)
        {
            await _dotNext.AcquireAsync();
            Interlocked.Increment(ref _counter);
            _dotNext.Release();
        }
    }

    private void NitoBlocking(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            using (_nito.Lock())
            {
                Interlocked.Increment(ref _counter);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask NitoAsync(int ops)
    {
        await Task.Yield();
        for (var i = 0; i < ops; i++)
        {
            using (await _nito.LockAsync())
            {
                Interlocked.Increment(ref _counter);
            }
        }
    }
}
