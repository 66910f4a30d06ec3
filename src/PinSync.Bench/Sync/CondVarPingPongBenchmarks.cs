using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace PinSync.Bench.Sync;

/// <summary>
/// Two threads hand a turn back and forth through a condition variable: <see cref="CondVar"/> under a
/// <see cref="PinnedMutex{T}"/> against <see cref="Monitor.Wait(object)"/>/<see cref="Monitor.PulseAll(object)"/>.
/// The benchmark thread is one side, a partner thread (alive for the whole benchmark) the other. One operation is a
/// round trip (two handoffs).
/// </summary>
[MemoryDiagnoser]
public class CondVarPingPongSyncBenchmarks
{
    /// <summary>Round trips per invocation.</summary>
    public const int RoundTrips = 256;

    private readonly object _monitor = new();
    private readonly PinnedMutex<int> _mutex = new(0);
    private readonly CondVar _condVar = new();
    private int _monitorTurn;
    private volatile bool _stop;
    private Thread? _partner;

    [GlobalSetup(Target = nameof(MonitorPingPong))]
    public void SetupMonitor() => StartPartner(MonitorPartner);

    [GlobalSetup(Target = nameof(CondVarPingPong))]
    public void SetupCondVar() => StartPartner(CondVarPartner);

    [GlobalCleanup(Target = nameof(MonitorPingPong))]
    public void CleanupMonitor()
    {
        _stop = true;
        lock (_monitor)
        {
            Monitor.PulseAll(_monitor);
        }

        _partner!.Join();
    }

    [GlobalCleanup(Target = nameof(CondVarPingPong))]
    public void CleanupCondVar()
    {
        _stop = true;
        using (_mutex.Lock())
        {
            _condVar.NotifyAll();
        }

        _partner!.Join();
        _condVar.Dispose();
        _mutex.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTrips, Description = "Monitor: Wait/Pulse, 2 threads")]
    public void MonitorPingPong()
    {
        for (var i = 0; i < RoundTrips; i++)
        {
            lock (_monitor)
            {
                _monitorTurn = 1;
                Monitor.Pulse(_monitor);
                while (_monitorTurn != 0)
                {
                    Monitor.Wait(_monitor);
                }
            }
        }
    }

    [Benchmark(OperationsPerInvoke = RoundTrips, Description = "CondVar + PinnedMutex: Wait/NotifyOne, 2 threads")]
    public void CondVarPingPong()
    {
        for (var i = 0; i < RoundTrips; i++)
        {
            using var guard = _mutex.Lock();
            guard.Value = 1;
            _condVar.NotifyOne();
            while (guard.Value != 0)
            {
                _condVar.Wait(guard);
            }
        }
    }

    private void StartPartner(ThreadStart body)
    {
        _stop = false;
        _partner = new Thread(body) { IsBackground = true, Name = "ping-pong partner" };
        _partner.Start();
    }

    private void MonitorPartner()
    {
        lock (_monitor)
        {
            while (true)
            {
                while (_monitorTurn != 1 && !_stop)
                {
                    Monitor.Wait(_monitor);
                }

                if (_stop)
                {
                    return;
                }

                _monitorTurn = 0;
                Monitor.Pulse(_monitor);
            }
        }
    }

    private void CondVarPartner()
    {
        using var guard = _mutex.Lock();
        while (true)
        {
            while (guard.Value != 1 && !_stop)
            {
                _condVar.Wait(guard);
            }

            if (_stop)
            {
                return;
            }

            guard.Value = 0;
            _condVar.NotifyOne();
        }
    }
}

/// <summary>
/// Two async tasks hand a turn back and forth: <see cref="CondVar.WaitAsync{T}(in MutexGuard{T}, CancellationToken)"/>
/// under <see cref="PinnedMutex{T}.LockAsync"/> against the usual BCL idiom, a pair of <see cref="SemaphoreSlim"/>s
/// (ping.WaitAsync / pong.Release). One operation is a round trip.
/// </summary>
[MemoryDiagnoser]
public class CondVarPingPongAsyncBenchmarks
{
    /// <summary>Round trips per invocation (the harness's two workers per invocation amortize to under 1 B).</summary>
    public const int RoundTrips = 4096;

    private readonly SemaphoreSlim _ping = new(0, 1);
    private readonly SemaphoreSlim _pong = new(0, 1);
    private readonly PinnedMutex<int> _mutex = new(0);
    private readonly CondVar _condVar = new();

    [GlobalCleanup]
    public void Cleanup()
    {
        _ping.Dispose();
        _pong.Dispose();
        _condVar.Dispose();
        _mutex.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTrips, Description = "SemaphoreSlim pair: WaitAsync/Release, 2 tasks")]
    public async Task SemaphoreSlimPingPong()
    {
        var a = SemaphoreSide(_ping, _pong, first: true);
        var b = SemaphoreSide(_pong, _ping, first: false);
        await a;
        await b;
    }

    [Benchmark(OperationsPerInvoke = RoundTrips, Description = "CondVar + PinnedMutex: WaitAsync/NotifyOne, 2 tasks")]
    public async Task CondVarPingPong()
    {
        var a = CondVarSide(mine: 0, theirs: 1);
        var b = CondVarSide(mine: 1, theirs: 0);
        await a;
        await b;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask SemaphoreSide(SemaphoreSlim mine, SemaphoreSlim theirs, bool first)
    {
        await Task.Yield();
        for (var i = 0; i < RoundTrips; i++)
        {
            if (first)
            {
                theirs.Release();
                await mine.WaitAsync();
            }
            else
            {
                await mine.WaitAsync();
                theirs.Release();
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CondVarSide(int mine, int theirs)
    {
        await Task.Yield();
        for (var i = 0; i < RoundTrips; i++)
        {
            using var guard = await _mutex.LockAsync();
            while (guard.Value != mine)
            {
                await _condVar.WaitAsync(guard);
            }

            guard.Value = theirs;
            _condVar.NotifyOne();
        }
    }
}
