using System.Runtime.CompilerServices;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Blocking waits: the waiter node lives in the waiting frame, on the stack.</summary>
public unsafe partial struct RawSemaphore
{
    /// <summary>Takes a permit, blocking the calling thread until one is handed to it.</summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <param name="cancellationToken">Cancels the wait. A token canceled before the call fails it even when a
    /// permit is available (as <see cref="SemaphoreSlim"/> does).</param>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed (also while waiting).</exception>
    /// <remarks><b>Safety:</b> the caller must pass a live semaphore built by <see cref="Init"/> that stays at its
    /// address until this call returns.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Wait(RawSemaphore* semaphore, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Seam.Point(SchedulingPointKind.Acquire, (nint)semaphore, nameof(Wait));
        if (!TryTakeFast(semaphore))
        {
            WaitSlow(semaphore, Seam.Infinite, cancellationToken);
        }
    }

    /// <summary>Takes a permit, blocking for at most <paramref name="timeout"/>.</summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms
    /// (0 never waits).</param>
    /// <param name="cancellationToken">Cancels the wait (a token canceled before the call fails it).</param>
    /// <returns><see langword="true"/> when the caller now holds a permit, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed (also while waiting).</exception>
    /// <remarks><b>Safety:</b> as for <see cref="Wait(RawSemaphore*, CancellationToken)"/>.</remarks>
    public static bool TryWait(RawSemaphore* semaphore, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var milliseconds = Timeouts.ToMilliseconds(timeout);
        return WaitCore(semaphore, milliseconds, cancellationToken);
    }

    /// <summary>The blocking wait behind every timed form: <paramref name="milliseconds"/> validated (-1 = infinite).</summary>
    internal static bool WaitCore(RawSemaphore* semaphore, long milliseconds, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Seam.Point(SchedulingPointKind.Acquire, (nint)semaphore, nameof(Wait));
        if (TryTakeFast(semaphore))
        {
            return true;
        }

        return milliseconds == 0
            ? TryWaitSlow(semaphore)
            : WaitSlow(semaphore, Timeouts.Deadline(milliseconds), cancellationToken);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool WaitSlow(RawSemaphore* semaphore, long deadline, CancellationToken cancellationToken)
    {
        // Bounded spin while nobody is queued: a holder may be about to release. Once someone is queued, a release
        // goes to them (no barging), so spinning could not succeed.
        var spins = 0;
        while ((Volatile.Read(ref semaphore->_state) & (HasWaiters | Disposed)) == 0
            && Seam.SpinOnce(ref spins, SpinLimit, (nint)semaphore))
        {
            if (TryTakeIfAvailable(semaphore))
            {
                return true;
            }
        }

        // SAFETY: the node lives in this frame; the wait scope (BlockingWait) returns or throws only once it is
        // unlinked, so no waker can touch it after we return (grant, timeout, cancellation, dispose, exception).
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        node.EnqueuedAt = Seam.NowTicks();

        // Registered outside the wait lock: the callback only unparks (it never takes the lock or touches the node).
        // Unregister, not Dispose: Dispose may wait (interruptibly) for a running callback.
        var registration = cancellationToken.CanBeCanceled ? ParkerCancellation.Register(node.Parker, cancellationToken) : default;
        try
        {
            switch (BlockingWait.Wait(new WaitList(semaphore), &node, deadline, cancellationToken))
            {
                case WaitNodeState.Granted:
                    return true;
                case WaitNodeState.Disposed:
                    ThrowDisposed();
                    break;
                case WaitNodeState.Canceled:
                    cancellationToken.ThrowIfCancellationRequested();
                    break;
            }

            return false;
        }
        finally
        {
            registration.Unregister();
        }
    }

    /// <summary>A blocking waiter on the semaphore's list (<see cref="BlockingWait"/>). A permit handed to a waiter
    /// that leaves by an exception goes back (<see cref="ReturnPermit"/>).</summary>
    private readonly struct WaitList : IBlockingWaitList
    {
        private readonly RawSemaphore* _semaphore;

        internal WaitList(RawSemaphore* semaphore) => _semaphore = semaphore;

        public nint Resource => (nint)_semaphore;

        public string Operation => nameof(Wait);

        public int LinkOrComplete(WaitNode* node)
        {
            // SAFETY: live, pinned semaphore; its list is only touched under its wait lock.
            _semaphore->_waitLock.Enter();
            int state;
            if ((_semaphore->_state & Disposed) != 0)
            {
                state = WaitNodeState.Disposed;
            }
            else if (TryTakeLocked(_semaphore))
            {
                ClearWaitersBitIfEmptyLocked(_semaphore);
                state = WaitNodeState.Granted;
            }
            else
            {
                LinkLocked(_semaphore, node);
                state = WaitNodeState.Waiting;
            }

            _semaphore->_waitLock.Exit();
            return state;
        }

        public bool OnLinked(WaitNode* node)
        {
            Seam.Point(SchedulingPointKind.Enqueue, (nint)_semaphore, nameof(Wait));
            return false;
        }

        public bool IsWaiting(WaitNode* node) => Volatile.Read(ref node->State) == WaitNodeState.Waiting;

        public bool TryUnlink(WaitNode* node)
        {
            _semaphore->_waitLock.Enter();
            var unlinked = UnlinkLocked(_semaphore, node);
            _semaphore->_waitLock.Exit();
            return unlinked;
        }

        public void PassOn(WaitNode* node, int state)
        {
            if (state == WaitNodeState.Granted)
            {
                ReturnPermit(_semaphore);
            }
        }
    }
}
