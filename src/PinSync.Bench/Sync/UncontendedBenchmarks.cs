using BenchmarkDotNet.Attributes;
using AsyncExclusiveLock = DotNext.Threading.AsyncExclusiveLock;
using NitoAsyncLock = Nito.AsyncEx.AsyncLock;
using VsAsyncSemaphore = Microsoft.VisualStudio.Threading.AsyncSemaphore;

namespace PinSync.Bench.Sync;

/// <summary>
/// Uncontended async acquire + release, as user code writes it (<c>using (await m.LockAsync())</c>), against
/// <see cref="SemaphoreSlim"/>'s <c>WaitAsync</c> + <c>Release</c>. Each invocation makes <see cref="Ops"/>
/// acquisitions, so the async method's own overhead is spread thin; figures are per acquisition. Peers: DotNext
/// <see cref="AsyncExclusiveLock"/>, Nito <c>AsyncLock</c>, VS.Threading <c>AsyncSemaphore(1)</c>.
/// </summary>
[MemoryDiagnoser]
public class UncontendedAsyncBenchmarks
{
    /// <summary>Acquisitions per invocation.</summary>
    public const int Ops = 64;

    private readonly SemaphoreSlim _semaphoreSlim = new(1, 1);
    private readonly PinnedMutex<long> _mutex = new(0);
    private readonly PinnedSemaphore _semaphore = new(1, 1);
    private readonly AsyncExclusiveLock _dotNext = new();
    private readonly NitoAsyncLock _nito = new();
    private readonly VsAsyncSemaphore _vs = new(1);
    private long _counter;

    [GlobalCleanup]
    public void Cleanup()
    {
        _semaphoreSlim.Dispose();
        _mutex.Dispose();
        _semaphore.Dispose();
        _dotNext.Dispose();
        _vs.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "DotNext AsyncExclusiveLock: await AcquireAsync + Release")]
    public async Task DotNextAcquireAsync()
    {
        for (var i = 0; i < Ops; i++)
        {
            await _dotNext.AcquireAsync();
            _counter++;
            _dotNext.Release();
        }
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Nito AsyncLock: await LockAsync + dispose")]
    public async Task NitoLockAsync()
    {
        for (var i = 0; i < Ops; i++)
        {
            using (await _nito.LockAsync())
            {
                _counter++;
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "VS.Threading AsyncSemaphore(1): await EnterAsync + dispose")]
    public async Task VsEnterAsync()
    {
        for (var i = 0; i < Ops; i++)
        {
            using (await _vs.EnterAsync())
            {
                _counter++;
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "SemaphoreSlim: await WaitAsync + Release")]
    public async Task SemaphoreSlimWaitAsync()
    {
        for (var i = 0; i < Ops; i++)
        {
            await _semaphoreSlim.WaitAsync();
            _counter++;
            _semaphoreSlim.Release();
        }
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "PinnedMutex: await LockAsync + dispose")]
    public async Task PinnedMutexLockAsync()
    {
        for (var i = 0; i < Ops; i++)
        {
            using var guard = await _mutex.LockAsync();
            guard.Value++;
        }
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "PinnedSemaphore(1): await WaitAsync + Release")]
    public async Task PinnedSemaphoreWaitAsync()
    {
        for (var i = 0; i < Ops; i++)
        {
            await _semaphore.WaitAsync();
            _counter++;
            _semaphore.Release();
        }
    }
}

/// <summary>
/// Uncontended blocking acquire + release: <see cref="PinnedMutex{T}.Lock"/> + guard dispose against
/// <see cref="Lock.EnterScope"/> (the baseline) and <c>lock(obj)</c> (<see cref="Monitor"/>).
/// </summary>
[MemoryDiagnoser]
public unsafe class UncontendedSyncBenchmarks
{
    /// <summary>Acquisitions per invocation.</summary>
    public const int Ops = 64;

    private readonly Lock _lock = new();
    private readonly object _monitor = new();
    private readonly PinnedMutex<long> _mutex = new(0);
    private long _counter;

    [GlobalCleanup]
    public void Cleanup() => _mutex.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "Lock: EnterScope + dispose")]
    public long LockEnterScope()
    {
        for (var i = 0; i < Ops; i++)
        {
            using (_lock.EnterScope())
            {
                _counter++;
            }
        }

        return _counter;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Monitor: lock(obj)")]
    public long MonitorLock()
    {
        for (var i = 0; i < Ops; i++)
        {
            lock (_monitor)
            {
                _counter++;
            }
        }

        return _counter;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "PinnedMutex: Lock + dispose")]
    public long PinnedMutexLock()
    {
        for (var i = 0; i < Ops; i++)
        {
            using var guard = _mutex.Lock();
            guard.Value++;
        }

        return _counter;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "RawMutex: Lock + Unlock (no guard)")]
    public long RawMutexLock()
    {
        var raw = _mutex.Raw;
        for (var i = 0; i < Ops; i++)
        {
            RawMutex.Lock(raw);
            _counter++;
            RawMutex.Unlock(raw);
        }

        return _counter;
    }
}
