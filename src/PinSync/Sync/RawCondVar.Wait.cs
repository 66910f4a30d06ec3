using System.Runtime.ExceptionServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Blocking waits: the waiter node lives in this frame, on the stack, and follows the notification onto the
/// mutex's list.</summary>
public unsafe partial struct RawCondVar
{
    // How many times a re-lock that failed by an exception other than an interrupt is tried again.
    private const int MaxRelockRetries = 3;

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

        // SAFETY: the node lives in this frame. It is on the condition variable's list only inside the wait scope,
        // which unlinks it on every exit; once notified it may be on the mutex's list, and the re-lock below (also on
        // the exception paths) takes it off again through the mutex's own wait scope before this frame is left.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        node.Flags = WaitNodeFlags.CondVar;
        node.Tag = (nint)mutex;

        var released = false;
        var interruptPending = false;
        int outcome;
        var registration = cancellationToken.CanBeCanceled ? ParkerCancellation.Register(node.Parker, cancellationToken) : default;
        try
        {
            try
            {
                outcome = BlockingWait.Wait(new WaitList(condVar, mutex, &released), &node, deadline, cancellationToken);
            }
            catch (Exception exception) when (released)
            {
                // (The filter reads only our own local; the node is settled by the scope before this block runs.)
                outcome = LeaveByException(condVar, mutex, &node, exception, out interruptPending);
            }
        }
        finally
        {
            registration.Unregister();
        }

        if (!released)
        {
            // Disposed before the wait began: the caller still holds the mutex.
            ThrowHelper.ThrowObjectDisposedException_Named(SR.CondVarName);
        }

        if ((node.Flags & WaitNodeFlags.Notified) != 0)
        {
            var failure = Relock(mutex, &node, notified: true);
            Uninterruptible.Restore(interruptPending);
            if (failure is not null)
            {
                // Held again, but the caller sees an exception and will not act on the notification: pass it on.
                NotifyOne(condVar);
                ExceptionDispatchInfo.Throw(failure);
            }

            return true;
        }

        // Timed out, canceled or disposed: take the mutex back before reporting (not cancelable: it must be held).
        if (Relock(mutex, &node, notified: false) is { } relockFailure)
        {
            ExceptionDispatchInfo.Throw(relockFailure);
        }

        if (outcome == WaitNodeState.Disposed)
        {
            ThrowHelper.ThrowObjectDisposedException_Named(SR.CondVarName);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>
    /// The wait ended by an exception after the mutex was released. Notified and interrupted at once: the notification
    /// wins and the interrupt stays pending for the thread's next blocking call (returns
    /// <see cref="WaitNodeState.Granted"/> with <paramref name="interruptPending"/> set: the caller re-takes the
    /// mutex, raises the interrupt again and reports the notification). Otherwise the
    /// mutex is re-taken here — as <see cref="Monitor.Wait(object)"/> does before its interrupt propagates — a
    /// notification this waiter can no longer act on is passed to the next waiter, and the exception is rethrown.
    /// </summary>
    private static int LeaveByException(RawCondVar* condVar, RawMutex* mutex, WaitNode* node, Exception exception, out bool interruptPending)
    {
        var notified = (node->Flags & WaitNodeFlags.Notified) != 0;
        interruptPending = notified && exception is ThreadInterruptedException;
        if (interruptPending)
        {
            return WaitNodeState.Granted;
        }

        try
        {
            _ = Relock(mutex, node, notified); // held again; the first exception is the one to report
        }
        catch (Exception relockFailure) when (relockFailure != exception)
        {
            // The re-lock failed too (the mutex was disposed, or a controller is ending the schedule, whose parks
            // throw): the mutex is not held and the node is off every list. The first exception is the one to report.
        }

        if (notified)
        {
            NotifyOne(condVar);
        }

        ExceptionDispatchInfo.Throw(exception);
        return WaitNodeState.Abandoned; // not reached
    }

    /// <summary>
    /// Re-takes the mutex after a wait: a notified waiter through its node (on the mutex's list, or woken to compete),
    /// any other afresh. Interrupts that arrive meanwhile do not stop it: they are kept pending for the thread's next
    /// blocking call, as <see cref="Monitor.Wait(object)"/> keeps them while it re-acquires its monitor. Another
    /// exception out of an attempt (a throwing metrics listener, an injected fault) is retried a few times and
    /// returned once the mutex is held, for the caller to throw then. It propagates, with the mutex not held, only
    /// when the mutex was disposed, when a controller is ending the schedule (its parks throw until the end), or when
    /// every retry failed.
    /// </summary>
    /// <returns>An exception that ended an attempt and must reach the caller, or <see langword="null"/>.</returns>
    private static Exception? Relock(RawMutex* mutex, WaitNode* node, bool notified)
    {
        var interrupted = false;
        var failures = 0;
        Exception? deferred = null;
        try
        {
            while (true)
            {
                try
                {
                    if (notified)
                    {
                        notified = false; // an attempt that ended by an exception has settled the node: retry afresh
                        RawMutex.AcquireAfterNotify(mutex, node);
                    }
                    else
                    {
                        RawMutex.Lock(mutex, CancellationToken.None);
                    }

                    return deferred;
                }
                catch (ThreadInterruptedException)
                {
                    interrupted = true;
                }
                catch (Exception exception) when (exception is not ObjectDisposedException && ++failures <= MaxRelockRetries
                    && !Seam.ControllerEnding)
                {
                    deferred ??= exception;
                }
            }
        }
        finally
        {
            Uninterruptible.Restore(interrupted);
        }
    }
}
