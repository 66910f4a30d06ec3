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

        // SAFETY: the node lives in this frame. Every wait on it goes through a wait scope (BlockingWait), which
        // returns or throws only once the node is unlinked, so no waker can touch it after this frame is gone.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        node.EnqueuedAt = Seam.NowTicks();

        // Unregister, not Dispose: Dispose may wait (interruptibly) for a running callback, which only unparks.
        var registration = cancellationToken.CanBeCanceled ? ParkerCancellation.Register(node.Parker, cancellationToken) : default;
        try
        {
            var requeue = false;
            while (true)
            {
                var outcome = BlockingWait.Wait(new WaitList(mutex, requeue, nameof(Lock)), &node, deadline, cancellationToken);
                switch (outcome)
                {
                    case WaitNodeState.Granted:
                        TakeOwnership(mutex, node.EnqueuedAt);
                        return true;
                    case WaitNodeState.Woken:
                        if (cancellationToken.IsCancellationRequested || Seam.NowTicks() >= deadline)
                        {
                            PassWakeup(mutex);
                            break;
                        }

                        if (TryLockWoken(mutex))
                        {
                            TakeOwnership(mutex, node.EnqueuedAt);
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
            registration.Unregister();
        }
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
                    ReleaseNoPoint(mutex);
                    return;
                }
            }
            else if ((state & WakePending) == 0
                || Interlocked.CompareExchange(ref mutex->_state, state & ~(WakePending | NoBarge), state) == state)
            {
                return;
            }

            state = Volatile.Read(ref mutex->_state);
        }
    }
}
