using System.Diagnostics;
using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// A counting semaphore with blocking and async waits that share one wait list — the <see cref="SemaphoreSlim"/>
/// shape, as the managed façade over a <see cref="RawSemaphore"/> kept in pinned storage.
/// </summary>
/// <remarks>
/// <para>Uncontended, a wait and a release are one compare-and-swap each and allocate nothing; a contended wait
/// allocates nothing either once warm (blocking waits park on a stack node, async waits use a pooled source and a
/// native node), also with a cancellation token or a timeout.</para>
/// <para>Fairness: queued waiters, sync and async alike, are woken in arrival order, but a newcomer (also
/// <see cref="TryWait"/>) may take a free permit ahead of them, as with <see cref="PinnedMutex{T}"/>: a release puts
/// the permit in the count and wakes the first waiter to compete for it, so a thread that releases and re-takes at
/// once does not wait behind a thread-pool hop (no convoy). A woken waiter that loses goes back to the head. No
/// starvation: a release hands its permit directly to a waiter that has waited longer than
/// <see cref="RawMutex.StarvationThreshold"/> (1 ms by default), or to a blocking waiter that already lost once. A
/// waiter whose timeout or cancellation coincides with a grant keeps the permit and reports success.</para>
/// <para>Cancellation: a token that is already canceled fails the call even when a permit is available, as with
/// <see cref="SemaphoreSlim"/>; a wait canceled later leaves the queue and holds no permit.</para>
/// <para>Async continuations never run inline in <see cref="Release()"/> or <see cref="Dispose"/>: granted async
/// waiters complete on the thread pool.</para>
/// <para>Thread safety: all members are thread-safe, except <see cref="Dispose"/>, which must not race with
/// operations that are expected to succeed: after it, every wait and release throws
/// <see cref="ObjectDisposedException"/>, and so does every waiter still queued.</para>
/// <para>Exception safety: a blocking wait that ends by an exception (an interrupt, a controller ending a schedule)
/// leaves with its stack node unlinked and holding no permit; a permit handed to it in the same instant goes back
/// to the next waiter or the count, so permits are conserved. See docs/exception-safety.md.</para>
/// </remarks>
[DebuggerDisplay("Count = {CurrentCount}, Max = {MaxCount}, Waiters = {WaiterCount}")]
public sealed unsafe partial class PinnedSemaphore : IDisposable
{
    // Owns the memory of _raw (pinned object heap); async waiters keep this object, hence the memory, alive.
    private readonly byte[] _storage;
    private readonly RawSemaphore* _raw;

    // 0 = live, 1 = disposed.
    private int _disposed;

    // Under a controller only (the explorer's invariant probe): what the callers acquired and released.
    private readonly SemaphoreLedger? _ledger;

    /// <summary>Creates a semaphore with <paramref name="initialCount"/> permits available and no maximum beyond
    /// <see cref="int.MaxValue"/>.</summary>
    /// <param name="initialCount">The permits available at first: zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialCount"/> is negative.</exception>
    public PinnedSemaphore(int initialCount)
        : this(initialCount, int.MaxValue)
    {
    }

    /// <summary>Creates a semaphore with <paramref name="initialCount"/> permits available, at most
    /// <paramref name="maxCount"/>.</summary>
    /// <param name="initialCount">The permits available at first: 0 to <paramref name="maxCount"/>.</param>
    /// <param name="maxCount">The largest count: positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is zero or negative, or
    /// <paramref name="initialCount"/> is negative or greater than <paramref name="maxCount"/>.</exception>
    public PinnedSemaphore(int initialCount, int maxCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        if ((uint)initialCount > (uint)maxCount)
        {
            ThrowHelper.ThrowArgumentOutOfRangeException_InitialCount(nameof(initialCount));
        }

        _raw = PinnedStorage.Allocate<RawSemaphore>(out _storage);

        // SAFETY: the slot is pinned storage owned by this object, at the semaphore's final address; the counts were
        // validated above, so the initializer cannot fail.
        var built = PinInit.TryInPlace(_raw, RawSemaphore.Init(initialCount, maxCount), out RawSemaphoreInitError error);
        Debug.Assert(built, $"Validated counts cannot fail: {error}.");
        _ledger = PrimitiveProbes.OnCreated(this, _raw, initialCount);
    }

    /// <summary>The number of permits available now (a snapshot; still readable after <see cref="Dispose"/>).</summary>
    public int CurrentCount => _raw->CurrentCount;

    /// <summary>The largest number of permits the semaphore can hold.</summary>
    public int MaxCount => _raw->MaxCount;

    /// <summary>How many waiters are queued (a snapshot, for diagnostics).</summary>
    public int WaiterCount => _raw->WaiterCount;

    /// <summary>The raw semaphore (for tests).</summary>
    internal RawSemaphore* Raw => _raw;

    /// <summary>The invariant probe's ledger: <see langword="null"/> unless made under a controller.</summary>
    internal SemaphoreLedger? Ledger => _ledger;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Takes a permit, blocking the calling thread until it gets one.</summary>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed (also while waiting).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Wait()
    {
        ThrowIfDisposed();
        RawSemaphore.Wait(_raw);
        SemaphoreLedger.Acquired(this);
        GC.KeepAlive(this); // The blocked frame holds only _raw: keep the storage alive until the wait is over.
    }

    /// <summary>Takes a permit, blocking the calling thread until it gets one or the wait is canceled.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed (also while waiting).</exception>
    public void Wait(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        RawSemaphore.Wait(_raw, cancellationToken);
        SemaphoreLedger.Acquired(this);
        GC.KeepAlive(this);
    }

    /// <summary>Takes a permit, blocking for at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms
    /// (0 never waits).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the caller now holds a permit, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed (also while waiting).</exception>
    public bool Wait(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var milliseconds = Timeouts.ToMilliseconds(timeout);
        ThrowIfDisposed();
        var acquired = RawSemaphore.WaitCore(_raw, milliseconds, cancellationToken);
        CountIf(acquired);
        return acquired;
    }

    /// <summary>Takes a permit, blocking for at most <paramref name="millisecondsTimeout"/> milliseconds.</summary>
    /// <param name="millisecondsTimeout">How long to wait: <see cref="Timeout.Infinite"/> (-1), or zero or more
    /// (0 never waits).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the caller now holds a permit, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed (also while waiting).</exception>
    public bool Wait(int millisecondsTimeout, CancellationToken cancellationToken = default)
    {
        var milliseconds = Timeouts.ToMilliseconds(millisecondsTimeout);
        ThrowIfDisposed();
        var acquired = RawSemaphore.WaitCore(_raw, milliseconds, cancellationToken);
        CountIf(acquired);
        return acquired;
    }

    /// <summary>Takes a permit if one is available (also ahead of queued waiters); never waits.</summary>
    /// <returns><see langword="true"/> when the caller now holds a permit.</returns>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    /// <remarks>It may return <see langword="false"/> while <see cref="CurrentCount"/> is positive: once woken
    /// waiters have been on their way past <see cref="RawMutex.StarvationThreshold"/>, the free permits are reserved
    /// for them until they compete (the overdue wake, RawMutex.Overdue.cs).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWait()
    {
        ThrowIfDisposed();
        var acquired = RawSemaphore.TryWait(_raw);
        CountIf(acquired);
        return acquired;
    }

    /// <summary>Takes a permit asynchronously.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the caller holds a permit.</returns>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held (through the task).</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed: thrown at once, or through the task
    /// when it is disposed while the wait is queued.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();

        // A queued waiter keeps this object (hence the storage) alive through keepAlive; KeepAlive covers the
        // synchronous part.
        var pending = RawSemaphore.WaitAsyncCore(_raw, keepAlive: this, cancellationToken);
        GC.KeepAlive(this);
        return pending;
    }

    /// <summary>Takes a permit asynchronously, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms
    /// (0 never waits).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the caller now holds a permit, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held (through the task).</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed: thrown at once, or through the task
    /// when it is disposed while the wait is queued.</exception>
    public ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var milliseconds = Timeouts.ToMilliseconds(timeout);
        ThrowIfDisposed();
        var pending = RawSemaphore.WaitAsyncCore(_raw, milliseconds, keepAlive: this, cancellationToken);
        GC.KeepAlive(this);
        return pending;
    }

    /// <summary>Takes a permit asynchronously, waiting at most <paramref name="millisecondsTimeout"/> milliseconds.</summary>
    /// <param name="millisecondsTimeout">How long to wait: <see cref="Timeout.Infinite"/> (-1), or zero or more
    /// (0 never waits).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the caller now holds a permit, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held (through the task).</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed: thrown at once, or through the task
    /// when it is disposed while the wait is queued.</exception>
    public ValueTask<bool> WaitAsync(int millisecondsTimeout, CancellationToken cancellationToken = default)
    {
        var milliseconds = Timeouts.ToMilliseconds(millisecondsTimeout);
        ThrowIfDisposed();
        var pending = RawSemaphore.WaitAsyncCore(_raw, milliseconds, keepAlive: this, cancellationToken);
        GC.KeepAlive(this);
        return pending;
    }

    /// <summary>Gives back one permit: to the count, waking the first queued waiter to compete for it, or directly to
    /// that waiter when it has waited past <see cref="RawMutex.StarvationThreshold"/>.</summary>
    /// <returns>The count before the release.</returns>
    /// <exception cref="SemaphoreFullException">The count would exceed <see cref="MaxCount"/>; nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Release()
    {
        ThrowIfDisposed();
        var previous = RawSemaphore.Release(_raw, 1);
        if (Seam.ControlEnabled)
        {
            _ledger?.Released(1);
        }

        GC.KeepAlive(this); // only _raw is used below the façade: keep the storage alive until the release is done
        return previous;
    }

    /// <summary>Gives back <paramref name="releaseCount"/> permits: to the count, waking one queued waiter per permit
    /// in arrival order (or handing a permit directly to a waiter past the starvation bound). Atomic: when the count
    /// would exceed <see cref="MaxCount"/>, nothing changes.</summary>
    /// <param name="releaseCount">How many permits to give back: positive.</param>
    /// <returns>The count before the release.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="releaseCount"/> is zero or negative.</exception>
    /// <exception cref="SemaphoreFullException">The count would exceed <see cref="MaxCount"/>; nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    public int Release(int releaseCount)
    {
        ThrowIfDisposed();
        var previous = RawSemaphore.Release(_raw, releaseCount);
        if (Seam.ControlEnabled)
        {
            _ledger?.Released(releaseCount);
        }

        GC.KeepAlive(this);
        return previous;
    }

    /// <summary>Counts a permit a blocking wait returned with (the probe's ledger; nothing in production), and keeps
    /// the storage alive until the wait is over.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountIf(bool acquired)
    {
        if (acquired)
        {
            SemaphoreLedger.Acquired(this);
        }

        GC.KeepAlive(this);
    }

    /// <summary>Disposes the semaphore: later waits and releases throw <see cref="ObjectDisposedException"/>, and so
    /// does every waiter still queued. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            RawSemaphore.Dispose(_raw);
            GC.KeepAlive(this);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"PinnedSemaphore(Count = {CurrentCount}, Max = {MaxCount}, Waiters = {WaiterCount})";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposedException(this);
        }
    }
}
