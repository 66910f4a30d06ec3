using BenchmarkDotNet.Attributes;
using PinSync.Bench.Infrastructure;

namespace PinSync.Bench.Sync;

/// <summary>
/// <see cref="Threads"/> dedicated threads hammer one lock (increment inside); each makes its share of
/// <see cref="OpsPerRound"/> acquisitions per round. Figures are per acquisition. The threads live for the whole
/// benchmark (<see cref="ThreadCrew"/>), so a round costs two barrier phases besides the locking.
/// </summary>
[MemoryDiagnoser]
public class ContendedSyncBenchmarks
{
    /// <summary>Acquisitions per round, over all threads.</summary>
    public const int OpsPerRound = 1 << 16;

    private readonly Lock _lock = new();
    private readonly object _monitor = new();
    private readonly SemaphoreSlim _semaphoreSlim = new(1, 1);
    private readonly PinnedMutex<long> _mutex = new(0);
    private ThreadCrew? _crew;
    private long _counter;

    /// <summary>Contending threads.</summary>
    [Params(2, 4)]
    public int Threads { get; set; }

    [GlobalSetup(Target = nameof(LockRound))]
    public void SetupLock() => _crew = new ThreadCrew(Threads, _ => LockWorker(OpsPerRound / Threads));

    [GlobalSetup(Target = nameof(MonitorRound))]
    public void SetupMonitor() => _crew = new ThreadCrew(Threads, _ => MonitorWorker(OpsPerRound / Threads));

    [GlobalSetup(Target = nameof(SemaphoreSlimRound))]
    public void SetupSemaphoreSlim() => _crew = new ThreadCrew(Threads, _ => SemaphoreSlimWorker(OpsPerRound / Threads));

    [GlobalSetup(Target = nameof(PinnedMutexRound))]
    public void SetupPinnedMutex() => _crew = new ThreadCrew(Threads, _ => PinnedMutexWorker(OpsPerRound / Threads));

    [GlobalCleanup]
    public void Cleanup()
    {
        _crew?.Dispose();
        _crew = null;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerRound, Description = "Lock: EnterScope")]
    public void LockRound() => _crew!.RunRound();

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "Monitor: lock(obj)")]
    public void MonitorRound() => _crew!.RunRound();

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "SemaphoreSlim(1,1): Wait + Release")]
    public void SemaphoreSlimRound() => _crew!.RunRound();

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "PinnedMutex: Lock + dispose")]
    public void PinnedMutexRound() => _crew!.RunRound();

    private void LockWorker(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            using (_lock.EnterScope())
            {
                _counter++;
            }
        }
    }

    private void MonitorWorker(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            lock (_monitor)
            {
                _counter++;
            }
        }
    }

    private void SemaphoreSlimWorker(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            _semaphoreSlim.Wait();
            _counter++;
            _semaphoreSlim.Release();
        }
    }

    private void PinnedMutexWorker(int ops)
    {
        for (var i = 0; i < ops; i++)
        {
            using var guard = _mutex.Lock();
            guard.Value++;
        }
    }
}
