using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using AsyncExclusiveLock = DotNext.Threading.AsyncExclusiveLock;
using NitoAsyncLock = Nito.AsyncEx.AsyncLock;
using VsAsyncSemaphore = Microsoft.VisualStudio.Threading.AsyncSemaphore;

namespace PinSync.Bench.Sync;

/// <summary>What a worker does while it holds the lock.</summary>
public enum HoldBody
{
    /// <summary>Increments a counter and releases.</summary>
    Increment,

    /// <summary>Increments a counter, then <c>await Task.Yield()</c> before releasing (the lock is held across an
    /// await, so every other worker queues).</summary>
    Yield,
}

/// <summary>How a worker waits.</summary>
public enum WaitMode
{
    /// <summary>No token, no timeout.</summary>
    Plain,

    /// <summary>A cancellable token that is never canceled (registration cost).</summary>
    Token,

    /// <summary>A 30 s timeout that never fires (timer cost).</summary>
    Timeout,
}

/// <summary>
/// <see cref="Tasks"/> async workers share one lock; each makes its share of <see cref="OpsPerRound"/> acquisitions
/// per round. Figures are per acquisition (the round's time and allocations divided by <see cref="OpsPerRound"/>).
/// Workers are pooled <see cref="ValueTask"/> methods started on the thread pool with <c>Task.Yield</c>; the harness
/// allocates one state machine per worker per round, which over 65 536 acquisitions is well under 1 B each, so the
/// bytes reported are the primitive's.
/// <para>Peers (issue 13): DotNext <see cref="AsyncExclusiveLock"/>, Nito <c>AsyncLock</c> and VS.Threading
/// <c>AsyncSemaphore(1)</c>, each used as its documentation shows. Nito has no timeout overload: its timeout row
/// waits with a <see cref="CancellationTokenSource"/> canceled after the timeout, one per wait (what its docs
/// advise), so that row counts the source's allocation.</para>
/// </summary>
[MemoryDiagnoser]
public class ContendedAsyncBenchmarks
{
    /// <summary>Acquisitions per round, over all workers.</summary>
    public const int OpsPerRound = 1 << 16;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _semaphoreSlim = new(1, 1);
    private readonly PinnedMutex<long> _mutex = new(0);
    private readonly AsyncExclusiveLock _dotNext = new();
    private readonly NitoAsyncLock _nito = new();
    private readonly VsAsyncSemaphore _vs = new(1);
    private readonly CancellationTokenSource _cts = new();
    private readonly ValueTask[] _workers = new ValueTask[64];
    private long _counter;

    /// <summary>Concurrent workers.</summary>
    [Params(2, 4, 16, 64)]
    public int Tasks { get; set; }

    /// <summary>What a worker does inside the lock.</summary>
    [Params(HoldBody.Increment, HoldBody.Yield)]
    public HoldBody Body { get; set; }

    /// <summary>Token / timeout or neither.</summary>
    [Params(WaitMode.Plain, WaitMode.Token, WaitMode.Timeout)]
    public WaitMode Wait { get; set; }

    [GlobalCleanup]
    public void Cleanup()
    {
        _semaphoreSlim.Dispose();
        _mutex.Dispose();
        _dotNext.Dispose();
        _vs.Dispose();
        _cts.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerRound, Description = "SemaphoreSlim(1,1): WaitAsync + Release")]
    public Task SemaphoreSlimRound() => RunRound(static (self, ops) => self.SemaphoreSlimWorker(ops));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "PinnedMutex: LockAsync + dispose")]
    public Task PinnedMutexRound() => RunRound(static (self, ops) => self.PinnedMutexWorker(ops));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "DotNext AsyncExclusiveLock: AcquireAsync + Release")]
    public Task DotNextRound() => RunRound(static (self, ops) => self.DotNextWorker(ops));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "Nito AsyncLock: LockAsync + dispose")]
    public Task NitoRound() => RunRound(static (self, ops) => self.NitoWorker(ops));

    [Benchmark(OperationsPerInvoke = OpsPerRound, Description = "VS.Threading AsyncSemaphore(1): EnterAsync + dispose")]
    public Task VsRound() => RunRound(static (self, ops) => self.VsWorker(ops));

    private async Task RunRound(Func<ContendedAsyncBenchmarks, int, ValueTask> worker)
    {
        var tasks = Tasks;
        var ops = OpsPerRound / tasks;
        for (var i = 0; i < tasks; i++)
        {
            _workers[i] = worker(this, ops);
        }

        for (var i = 0; i < tasks; i++)
        {
            await _workers[i];
            _workers[i] = default;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SemaphoreSlimWorker(int ops)
    {
        await Task.Yield(); // off the benchmark thread, onto the pool
        var yieldInside = Body == HoldBody.Yield;
        var mode = Wait;
        var token = mode == WaitMode.Token ? _cts.Token : CancellationToken.None;
        for (var i = 0; i < ops; i++)
        {
            if (mode == WaitMode.Timeout)
            {
                if (!await _semaphoreSlim.WaitAsync(s_timeout))
                {
                    throw new TimeoutException();
                }
            }
            else
            {
                await _semaphoreSlim.WaitAsync(token);
            }

            _counter++;
            if (yieldInside)
            {
                await Task.Yield();
            }

            _semaphoreSlim.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PinnedMutexWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        var mode = Wait;
        var token = mode == WaitMode.Token ? _cts.Token : CancellationToken.None;
        for (var i = 0; i < ops; i++)
        {
            using var guard = mode == WaitMode.Timeout
                ? await _mutex.TryLockAsync(s_timeout)
                : await _mutex.LockAsync(token);
            if (!guard.Acquired)
            {
                throw new TimeoutException();
            }

            guard.Value++;
            if (yieldInside)
            {
                await Task.Yield();
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DotNextWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        var mode = Wait;
        var token = mode == WaitMode.Token ? _cts.Token : CancellationToken.None;
        for (var i = 0; i < ops; i++)
        {
            if (mode == WaitMode.Timeout)
            {
                if (!await _dotNext.TryAcquireAsync(s_timeout))
                {
                    throw new TimeoutException();
                }
            }
            else
            {
                await _dotNext.AcquireAsync(token);
            }

            _counter++;
            if (yieldInside)
            {
                await Task.Yield();
            }

            _dotNext.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask NitoWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        var mode = Wait;
        var token = mode == WaitMode.Token ? _cts.Token : CancellationToken.None;
        for (var i = 0; i < ops; i++)
        {
            using var timeout = mode == WaitMode.Timeout ? new CancellationTokenSource(s_timeout) : null;
            using (await _nito.LockAsync(timeout?.Token ?? token))
            {
                _counter++;
                if (yieldInside)
                {
                    await Task.Yield();
                }
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask VsWorker(int ops)
    {
        await Task.Yield();
        var yieldInside = Body == HoldBody.Yield;
        var mode = Wait;
        var token = mode == WaitMode.Token ? _cts.Token : CancellationToken.None;
        for (var i = 0; i < ops; i++)
        {
            using (mode == WaitMode.Timeout ? await _vs.EnterAsync(s_timeout, token) : await _vs.EnterAsync(token))
            {
                _counter++;
                if (yieldInside)
                {
                    await Task.Yield();
                }
            }
        }
    }
}
