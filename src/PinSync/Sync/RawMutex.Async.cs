using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Awaited acquisition: the waiter node lives in native memory (the slab), paired with a pooled source.</summary>
public unsafe partial struct RawMutex
{
    private static readonly MutexOps s_ops = new();

    /// <summary>Takes the mutex asynchronously.</summary>
    /// <param name="mutex">The mutex.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the caller holds the mutex.</returns>
    /// <exception cref="OperationCanceledException">The wait was canceled; the mutex is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must keep the mutex alive and at its address until the task completes and
    /// its timeout and cancellation callbacks are gone (see <see cref="Dispose(RawMutex*)"/>).</remarks>
    public static ValueTask LockAsync(RawMutex* mutex, CancellationToken cancellationToken = default)
    {
        Seam.Point(SchedulingPointKind.Acquire, (nint)mutex, nameof(LockAsync));
        if (TryLockFast(mutex))
        {
            return default;
        }

        var pending = LockAsyncSlow(mutex, Seam.Infinite, keepAlive: null, out var outcome, cancellationToken);
        return pending is not null ? new ValueTask(pending, pending.Version)
            : outcome == WaitNodeState.Canceled ? ValueTask.FromCanceled(cancellationToken)
            : default;
    }

    /// <summary>Takes the mutex asynchronously, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="mutex">The mutex.</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the caller now holds the mutex, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; the mutex is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="LockAsync(RawMutex*, CancellationToken)"/>.</remarks>
    public static ValueTask<bool> TryLockAsync(RawMutex* mutex, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        return LockAsyncCore(mutex, ms, keepAlive: null, cancellationToken);
    }

    /// <summary>The awaited acquisition behind every async lock: <paramref name="milliseconds"/> validated (-1 =
    /// infinite), <paramref name="keepAlive"/> the object that owns the mutex's memory (kept reachable while a waiter
    /// is queued).</summary>
    internal static ValueTask<bool> LockAsyncCore(RawMutex* mutex, long milliseconds, object? keepAlive, CancellationToken cancellationToken)
    {
        Seam.Point(SchedulingPointKind.Acquire, (nint)mutex, nameof(LockAsync));
        if (TryLockFast(mutex))
        {
            return new ValueTask<bool>(true);
        }

        if (milliseconds == 0)
        {
            return new ValueTask<bool>(false);
        }

        var pending = LockAsyncSlow(mutex, Timeouts.Deadline(milliseconds), keepAlive, out var outcome, cancellationToken);
        return pending is not null ? new ValueTask<bool>(pending, pending.Version)
            : outcome == WaitNodeState.Canceled ? ValueTask.FromCanceled<bool>(cancellationToken)
            : new ValueTask<bool>(outcome == WaitNodeState.Granted);
    }

    /// <summary>
    /// Queues an async waiter, or finishes at once: returns the queued waiter, or <see langword="null"/> with
    /// <paramref name="outcome"/> <see cref="WaitNodeState.Granted"/>, <see cref="WaitNodeState.TimedOut"/> or
    /// <see cref="WaitNodeState.Canceled"/>. Throws <see cref="ObjectDisposedException"/> at once, as SemaphoreSlim does.
    /// </summary>
    private static AsyncWaiter? LockAsyncSlow(RawMutex* mutex, long deadline, object? keepAlive, out int outcome,
        CancellationToken cancellationToken)
    {
        if (EndsBeforeQueuing(mutex, out outcome, cancellationToken))
        {
            return null;
        }

        var waiter = AsyncWaiter.Rent();
        return EnqueueAsync(mutex, waiter, deadline, keepAlive, out outcome, cancellationToken) ? waiter : null;
    }

    /// <summary>The checks before an async waiter is rented: throws <see cref="ObjectDisposedException"/>, or returns
    /// <see langword="true"/> with <paramref name="outcome"/> <see cref="WaitNodeState.Canceled"/> for a token that is
    /// already canceled.</summary>
    internal static bool EndsBeforeQueuing(RawMutex* mutex, out int outcome, CancellationToken cancellationToken)
    {
        if (IsDisposed(mutex))
        {
            ThrowHelper.ThrowObjectDisposedException_Mutex();
        }

        outcome = cancellationToken.IsCancellationRequested ? WaitNodeState.Canceled : WaitNodeState.Waiting;
        return outcome == WaitNodeState.Canceled;
    }

    /// <summary>
    /// Queues <paramref name="waiter"/> (idle, rented by the caller), or finishes at once: <see langword="true"/> when
    /// it is queued (its completion reports the outcome); otherwise the waiter went back to its pool and
    /// <paramref name="outcome"/> is <see cref="WaitNodeState.Granted"/>, <see cref="WaitNodeState.TimedOut"/> or
    /// <see cref="WaitNodeState.Canceled"/>. Throws <see cref="ObjectDisposedException"/> if the mutex was disposed.
    /// </summary>
    internal static bool EnqueueAsync(RawMutex* mutex, AsyncWaiter waiter, long deadline, object? keepAlive, out int outcome,
        CancellationToken cancellationToken)
    {
        var node = waiter.Begin(s_ops, (nint)mutex, keepAlive, deadline, cancellationToken);
        EnqueueStamp.AtEnqueue(node);

        mutex->_waitLock.Enter();
        var disposed = (mutex->_state & Disposed) != 0;
        var acquired = !disposed && TryLockLocked(mutex);
        var abandoned = !disposed && !acquired && waiter.IsAbandoned;
        if (disposed || acquired || abandoned)
        {
            ClearWaitersBitIfEmptyLocked(mutex);
            mutex->_waitLock.Exit();
            outcome = acquired ? WaitNodeState.Granted : abandoned ? waiter.AbandonState : WaitNodeState.Disposed;
            waiter.Abort();
            if (disposed)
            {
                ThrowHelper.ThrowObjectDisposedException_Mutex();
            }

            return false;
        }

        outcome = WaitNodeState.Waiting;
        LinkLocked(mutex, node, atHead: false);
        mutex->_waitLock.Exit();
        PinSyncMetrics.RecordContended(s_ops.Name);
        Seam.Point(SchedulingPointKind.Enqueue, (nint)mutex, nameof(LockAsync));
        return true;
    }

    /// <summary>The mutex's side of the async waiter protocol.</summary>
    private sealed class MutexOps : WaitListOps
    {
        internal override string Name => "mutex";

        internal override bool TryUnlink(nint primitive, WaitNode* node, int newState)
        {
            var mutex = (RawMutex*)primitive;
            mutex->_waitLock.Enter();
            var unlinked = UnlinkLocked(mutex, node);
            if (unlinked)
            {
                node->State = newState;
            }

            mutex->_waitLock.Exit();
            return unlinked;
        }

        internal override int RetryWoken(nint primitive, WaitNode* node) => RetryWokenCore((RawMutex*)primitive, node, honorAbandon: true);

        internal override void AbandonWoken(nint primitive) => PassWakeup((RawMutex*)primitive);
    }
}
