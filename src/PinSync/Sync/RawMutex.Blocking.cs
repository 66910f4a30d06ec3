using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Blocking acquisition: the waiter node lives in this frame, on the stack.</summary>
public unsafe partial struct RawMutex
{
    /// <summary>Takes the mutex, blocking the calling thread until it is free.</summary>
    /// <param name="mutex">The mutex.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="LockRecursionException">The calling thread already holds the mutex.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; the mutex is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a live mutex built by <see cref="Init"/> that stays at its address
    /// until this call returns.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lock(RawMutex* mutex, CancellationToken cancellationToken = default)
    {
        Seam.Point(SchedulingPointKind.Acquire, (nint)mutex, nameof(Lock));
        if (TryLockFast(mutex))
        {
            // SAFETY: we hold the mutex, and only the holder writes the owner field.
            mutex->_ownerThreadId = CurrentThread.Id;
            return;
        }

        LockSlow(mutex, Seam.Infinite, cancellationToken);
    }

    /// <summary>Takes the mutex, blocking for at most <paramref name="timeout"/>.</summary>
    /// <param name="mutex">The mutex.</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the caller now holds the mutex, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="LockRecursionException">The calling thread already holds the mutex.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; the mutex is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="Lock(RawMutex*, CancellationToken)"/>.</remarks>
    public static bool TryLock(RawMutex* mutex, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        Seam.Point(SchedulingPointKind.Acquire, (nint)mutex, nameof(TryLock));
        if (TryLockFast(mutex))
        {
            // SAFETY: we hold the mutex, and only the holder writes the owner field.
            mutex->_ownerThreadId = CurrentThread.Id;
            return true;
        }

        return ms != 0 && LockSlow(mutex, Timeouts.Deadline(ms), cancellationToken);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool LockSlow(RawMutex* mutex, long deadline, CancellationToken cancellationToken)
    {
        if (IsDisposed(mutex))
        {
            ThrowHelper.ThrowObjectDisposedException_Mutex();
        }

        var me = CurrentThread.Id;
        if (OwnerThreadId(mutex) == me)
        {
            ThrowHelper.ThrowLockRecursionException();
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Bounded spin: the holder is probably running and about to release.
        var spins = 0;
        while (Seam.SpinOnce(ref spins, SpinLimit, (nint)mutex))
        {
            if (TryLockIfFree(mutex))
            {
                mutex->_ownerThreadId = me;
                return true;
            }
        }

        // SAFETY: the node lives in this frame; every path below leaves only after observing it unlinked under the
        // wait lock (WaitOnList's contract), so no waker can touch it after we return.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        node.EnqueuedAt = Seam.NowTicks();

        var registration = cancellationToken.CanBeCanceled ? ParkerCancellation.Register(node.Parker, cancellationToken) : default;
        try
        {
            var requeue = false;
            while (true)
            {
                var outcome = WaitOnList(mutex, &node, deadline, requeue, cancellationToken);
                switch (outcome)
                {
                    case WaitNodeState.Granted:
                        mutex->_ownerThreadId = me;
                        PinSyncMetrics.RecordWait(s_ops.Name, node.EnqueuedAt);
                        return true;
                    case WaitNodeState.Woken:
                        if (cancellationToken.IsCancellationRequested || Seam.NowTicks() >= deadline)
                        {
                            PassWakeup(mutex);
                            break;
                        }

                        if (TryLockWoken(mutex))
                        {
                            mutex->_ownerThreadId = me;
                            PinSyncMetrics.RecordWait(s_ops.Name, node.EnqueuedAt);
                            return true;
                        }

                        requeue = true;
                        continue;
                    case WaitNodeState.Disposed:
                        ThrowHelper.ThrowObjectDisposedException_Mutex();
                        break;
                }

                // Timed out or canceled (also a woken waiter that gave up).
                cancellationToken.ThrowIfCancellationRequested();
                return false;
            }
        }
        finally
        {
            registration.Dispose();
        }
    }

    /// <summary>
    /// Links <paramref name="node"/> (or takes the mutex if it became free) and parks until the node is unlinked.
    /// Returns the final state: <see cref="WaitNodeState.Granted"/> also when the mutex was taken before linking.
    /// Never returns while the node is linked.
    /// </summary>
    private static int WaitOnList(RawMutex* mutex, WaitNode* node, long deadline, bool atHead, CancellationToken cancellationToken)
    {
        mutex->_waitLock.Enter();
        if ((mutex->_state & Disposed) != 0)
        {
            mutex->_waitLock.Exit();
            return WaitNodeState.Disposed;
        }

        // A re-queue (atHead) is a woken waiter that lost: it clears the pending wake as it goes back.
        if (TryLockLocked(mutex, woken: atHead))
        {
            mutex->_waitLock.Exit();
            return WaitNodeState.Granted;
        }

        if (atHead)
        {
            node->Flags |= WaitNodeFlags.LostWakeup;
        }

        LinkLocked(mutex, node, atHead);
        mutex->_waitLock.Exit();
        if (!atHead)
        {
            PinSyncMetrics.RecordContended(s_ops.Name);
        }

        Seam.Point(SchedulingPointKind.Enqueue, (nint)mutex, nameof(Lock));

        BlockingWait.ParkWhileWaiting(node, deadline, (nint)mutex, nameof(Lock), cancellationToken);

        // Leave the list ourselves unless a waker already unlinked us; either way we see the final state under the
        // lock, after which nobody touches the node.
        mutex->_waitLock.Enter();
        var state = UnlinkLocked(mutex, node)
            ? (cancellationToken.IsCancellationRequested ? WaitNodeState.Canceled : WaitNodeState.TimedOut)
            : node->State;
        mutex->_waitLock.Exit();
        if (state is WaitNodeState.Canceled or WaitNodeState.TimedOut)
        {
            Seam.Point(SchedulingPointKind.Cancel, (nint)mutex, nameof(Lock));
        }

        return state;
    }

    /// <summary>A woken waiter gives up: if the mutex is free, take and release it, so that the release wakes the next
    /// waiter (no waiter may sleep while the mutex is free); if it is held, clear the pending wake, so that its
    /// holder's unlock wakes the next waiter.</summary>
    private static void PassWakeup(RawMutex* mutex)
    {
        var state = Volatile.Read(ref mutex->_state);
        while (true)
        {
            if ((state & (Locked | Disposed)) == 0)
            {
                if (TryLockWoken(mutex))
                {
                    Unlock(mutex);
                    return;
                }
            }
            else if ((state & WakePending) == 0
                || Interlocked.CompareExchange(ref mutex->_state, state & ~WakePending, state) == state)
            {
                return;
            }

            state = Volatile.Read(ref mutex->_state);
        }
    }
}
