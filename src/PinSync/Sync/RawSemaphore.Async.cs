using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Awaited waits: the waiter node lives in native memory (the slab), paired with a pooled source.</summary>
public unsafe partial struct RawSemaphore
{
    private static readonly SemaphoreOps s_ops = new();

    /// <summary>Takes a permit asynchronously.</summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <param name="cancellationToken">Cancels the wait (a token canceled before the call gives a canceled task).</param>
    /// <returns>A task that completes when the caller holds a permit.</returns>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held (through the task).</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed: thrown at once, or through the task
    /// when it is disposed while the wait is queued.</exception>
    /// <remarks><b>Safety:</b> the caller must keep the semaphore alive and at its address until the task completes
    /// and its timeout and cancellation callbacks are gone (see <see cref="Dispose(RawSemaphore*)"/>).</remarks>
    public static ValueTask WaitAsync(RawSemaphore* semaphore, CancellationToken cancellationToken = default) =>
        WaitAsyncCore(semaphore, keepAlive: null, cancellationToken);

    /// <summary>Takes a permit asynchronously, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms
    /// (0 never waits).</param>
    /// <param name="cancellationToken">Cancels the wait (a token canceled before the call gives a canceled task).</param>
    /// <returns><see langword="true"/> when the caller now holds a permit, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held (through the task).</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed: thrown at once, or through the task
    /// when it is disposed while the wait is queued.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="WaitAsync(RawSemaphore*, CancellationToken)"/>.</remarks>
    public static ValueTask<bool> TryWaitAsync(RawSemaphore* semaphore, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var milliseconds = Timeouts.ToMilliseconds(timeout);
        return WaitAsyncCore(semaphore, milliseconds, keepAlive: null, cancellationToken);
    }

    /// <summary>The untimed awaited wait; <paramref name="keepAlive"/> is the object that owns the semaphore's memory
    /// (kept reachable while a waiter is queued).</summary>
    internal static ValueTask WaitAsyncCore(RawSemaphore* semaphore, object? keepAlive, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        Seam.Point(SchedulingPointKind.Acquire, (nint)semaphore, nameof(WaitAsync));
        if (TryTakeFast(semaphore))
        {
            SemaphoreLedger.Acquired(keepAlive);
            return default;
        }

        var pending = WaitAsyncSlow(semaphore, Seam.Infinite, keepAlive, cancellationToken, out var outcome);
        return pending is not null ? new ValueTask(pending, pending.Version)
            : outcome == WaitNodeState.Canceled ? ValueTask.FromCanceled(cancellationToken)
            : default;
    }

    /// <summary>The timed awaited wait: <paramref name="milliseconds"/> validated (-1 = infinite, 0 = never wait).</summary>
    internal static ValueTask<bool> WaitAsyncCore(RawSemaphore* semaphore, long milliseconds, object? keepAlive,
        CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        Seam.Point(SchedulingPointKind.Acquire, (nint)semaphore, nameof(WaitAsync));
        if (TryTakeFast(semaphore))
        {
            SemaphoreLedger.Acquired(keepAlive);
            return new ValueTask<bool>(true);
        }

        if (milliseconds == 0)
        {
            var taken = TryWaitSlow(semaphore);
            if (taken)
            {
                SemaphoreLedger.Acquired(keepAlive);
            }

            return new ValueTask<bool>(taken);
        }

        var pending = WaitAsyncSlow(semaphore, Timeouts.Deadline(milliseconds), keepAlive, cancellationToken, out var outcome);
        return pending is not null ? new ValueTask<bool>(pending, pending.Version)
            : outcome == WaitNodeState.Canceled ? ValueTask.FromCanceled<bool>(cancellationToken)
            : new ValueTask<bool>(outcome == WaitNodeState.Granted);
    }

    /// <summary>
    /// Queues an async waiter, or finishes at once: returns the queued waiter, or <see langword="null"/> with
    /// <paramref name="outcome"/> <see cref="WaitNodeState.Granted"/>, <see cref="WaitNodeState.TimedOut"/> or
    /// <see cref="WaitNodeState.Canceled"/>. Throws <see cref="ObjectDisposedException"/> at once, as SemaphoreSlim does.
    /// </summary>
    private static AsyncWaiter? WaitAsyncSlow(RawSemaphore* semaphore, long deadline, object? keepAlive,
        CancellationToken cancellationToken, out int outcome)
    {
        if (IsDisposed(semaphore))
        {
            ThrowDisposed();
        }

        // The token and the timer are registered before the node is linked (outside the wait lock: their callbacks
        // take it); the link step below checks IsAbandoned under the lock, so a callback that fired before linking
        // cannot be lost, and one that fires later finds the node linked and unlinks it.
        var waiter = AsyncWaiter.Rent();
        var node = waiter.Begin(s_ops, (nint)semaphore, keepAlive, deadline, cancellationToken);
        EnqueueStamp.AtEnqueue(node);

        semaphore->_waitLock.Enter();
        var disposed = (semaphore->_state & Disposed) != 0;
        var acquired = !disposed && TryTakeLocked(semaphore);
        var abandoned = !disposed && !acquired && waiter.IsAbandoned;
        if (disposed || acquired || abandoned)
        {
            ClearWaitersBitIfEmptyLocked(semaphore);
            semaphore->_waitLock.Exit();
            outcome = acquired ? WaitNodeState.Granted : abandoned ? waiter.AbandonState : WaitNodeState.Disposed;
            waiter.Abort();
            if (acquired)
            {
                SemaphoreLedger.Acquired(keepAlive);
            }

            if (disposed)
            {
                ThrowDisposed();
            }

            return null;
        }

        outcome = WaitNodeState.Waiting;
        LinkLocked(semaphore, node);
        semaphore->_waitLock.Exit();
        Seam.Point(SchedulingPointKind.Enqueue, (nint)semaphore, nameof(WaitAsync));
        return waiter;
    }

    /// <summary>
    /// A woken async waiter competes: takes a permit, or settles its wake under the wait lock and re-links at the head
    /// (keeping its place and enqueue time, so the starvation bound still counts from its first arrival). A waiter
    /// whose timeout or token fired meanwhile is checked under the wait lock (the only place a late cancellation
    /// cannot slip past, since its callback found the node unlinked) and gives up instead of re-linking, passing the
    /// wake on.
    /// </summary>
    private static int RetryWokenCore(RawSemaphore* semaphore, WaitNode* node)
    {
        if (TryTakeWoken(semaphore))
        {
            return WaitNodeState.Granted;
        }

        var waiter = AsyncWaiter.FromNode(node);
        semaphore->_waitLock.Enter();
        if (waiter.IsAbandoned && (semaphore->_state & (Disposed | CountMask)) == 0)
        {
            semaphore->_waitLock.Exit();
            PassWakeup(semaphore);
            return waiter.AbandonState;
        }

        var state = SettleWokenLocked(semaphore);
        if (state == WaitNodeState.Waiting)
        {
            LinkLocked(semaphore, node, atHead: true);
        }
        else
        {
            ClearWaitersBitIfEmptyLocked(semaphore);
        }

        semaphore->_waitLock.Exit();
        return state;
    }

    /// <summary>The semaphore's side of the async waiter protocol: a woken waiter competes again
    /// (<see cref="RetryWokenCore"/>) or, abandoned, passes its wake on (<see cref="PassWakeup"/>). Every wait records
    /// when it joined the list (the starvation bound counts from there).</summary>
    private sealed class SemaphoreOps : WaitListOps
    {
        internal override string Name => "semaphore";

        internal override bool TryUnlink(nint primitive, WaitNode* node, int newState)
        {
            // SAFETY: the waiter keeps the semaphore's owner alive while its node may be linked; primitive is the
            // semaphore's pinned address.
            var semaphore = (RawSemaphore*)primitive;
            semaphore->_waitLock.Enter();
            var unlinked = UnlinkLocked(semaphore, node);
            if (unlinked)
            {
                node->State = newState;
            }

            semaphore->_waitLock.Exit();
            return unlinked;
        }

        internal override int RetryWoken(nint primitive, WaitNode* node) => RetryWokenCore((RawSemaphore*)primitive, node);

        internal override void AbandonWoken(nint primitive) => PassWakeup((RawSemaphore*)primitive);
    }
}
