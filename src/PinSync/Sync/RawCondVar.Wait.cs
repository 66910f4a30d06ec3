using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Blocking waits: the waiter node lives in this frame, on the stack, and follows the notification onto the
/// mutex's list.</summary>
public unsafe partial struct RawCondVar
{
    /// <summary>
    /// Releases <paramref name="mutex"/>, sleeps until notified (or the timeout or the token fires), and takes the
    /// mutex again before returning — on every path, exceptions included.
    /// </summary>
    /// <param name="condVar">The condition variable.</param>
    /// <param name="mutex">The mutex the caller holds.</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait (the mutex is re-taken before the exception propagates).</param>
    /// <returns><see langword="true"/> when notified, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="SynchronizationLockException">The mutex is not held.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled.</exception>
    /// <exception cref="ObjectDisposedException">The condition variable or the mutex was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass live primitives built by their <c>Init</c> and must hold
    /// <paramref name="mutex"/>; both must stay at their addresses until this call returns.</remarks>
    public static bool Wait(RawCondVar* condVar, RawMutex* mutex, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        return WaitCore(condVar, mutex, Timeouts.Deadline(ms), cancellationToken);
    }

    /// <summary>Releases <paramref name="mutex"/>, sleeps until notified, and takes the mutex again.</summary>
    /// <param name="condVar">The condition variable.</param>
    /// <param name="mutex">The mutex the caller holds.</param>
    /// <param name="cancellationToken">Cancels the wait (the mutex is re-taken before the exception propagates).</param>
    /// <exception cref="SynchronizationLockException">The mutex is not held.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled.</exception>
    /// <exception cref="ObjectDisposedException">The condition variable or the mutex was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="Wait(RawCondVar*, RawMutex*, TimeSpan, CancellationToken)"/>.</remarks>
    public static void Wait(RawCondVar* condVar, RawMutex* mutex, CancellationToken cancellationToken = default) =>
        WaitCore(condVar, mutex, Seam.Infinite, cancellationToken);

    internal static bool WaitCore(RawCondVar* condVar, RawMutex* mutex, long deadline, CancellationToken cancellationToken)
    {
        if (!mutex->IsLocked)
        {
            ThrowHelper.ThrowSynchronizationLockException_CondVarWaitWithoutLock();
        }

        cancellationToken.ThrowIfCancellationRequested();

        // SAFETY: the node lives in this frame. It leaves only after observing the node unlinked under the lock of
        // the list it was last on (the condition variable's here, or the mutex's in AcquireAfterNotify).
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        node.Flags = WaitNodeFlags.CondVar;
        node.Tag = (nint)mutex;

        condVar->_waitLock.Enter();
        if (condVar->_disposed != 0)
        {
            condVar->_waitLock.Exit();
            ThrowHelper.ThrowObjectDisposedException_Named(SR.CondVarName);
        }

        node.EnqueuedAt = Seam.NowTicks();
        node.Queue = (nint)(&condVar->_waitLock);
        ListHead.AddTail(&condVar->_waiters, &node.Link);
        condVar->_waiterCount++;
        condVar->_waitLock.Exit();

        // Linked before the release: a notify issued after the release cannot miss us.
        RawMutex.Unlock(mutex);
        Seam.Point(SchedulingPointKind.Wait, (nint)condVar, "CondVar.Wait");

        var registration = cancellationToken.CanBeCanceled ? ParkerCancellation.Register(node.Parker, cancellationToken) : default;
        int outcome;
        try
        {
            while (Volatile.Read(ref node.State) == WaitNodeState.Waiting
                && (node.Flags & WaitNodeFlags.CondVar) != 0
                && !cancellationToken.IsCancellationRequested
                && Seam.Park(node.Parker, deadline, (nint)condVar, "CondVar.Wait"))
            {
            }
        }
        finally
        {
            registration.Dispose();
        }

        condVar->_waitLock.Enter();
        if ((node.Flags & WaitNodeFlags.CondVar) != 0)
        {
            // Not notified: leave the list ourselves.
            ListHead.Remove(&node.Link);
            condVar->_waiterCount--;
            node.Flags &= ~WaitNodeFlags.CondVar;
            outcome = cancellationToken.IsCancellationRequested ? WaitNodeState.Canceled : WaitNodeState.TimedOut;
        }
        else
        {
            outcome = node.State == WaitNodeState.Disposed ? WaitNodeState.Disposed : WaitNodeState.Granted;
        }

        condVar->_waitLock.Exit();

        if (outcome == WaitNodeState.Granted)
        {
            // Notified: on the mutex's list (morphed), woken to compete, or already granted the mutex.
            RawMutex.AcquireAfterNotify(mutex, &node);
            return true;
        }

        // Timed out, canceled or disposed: take the mutex back before reporting (not cancelable: it must be held).
        Seam.Point(SchedulingPointKind.Cancel, (nint)condVar, "CondVar.Wait");
        RawMutex.Lock(mutex, CancellationToken.None);
        if (outcome == WaitNodeState.Disposed)
        {
            ThrowHelper.ThrowObjectDisposedException_Named(SR.CondVarName);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }
}
