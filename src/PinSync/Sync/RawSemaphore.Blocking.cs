using System.Runtime.CompilerServices;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Blocking waits: the waiter node lives in the waiting frame, on the stack.</summary>
public unsafe partial struct RawSemaphore
{
    /// <summary>Takes a permit, blocking the calling thread until it gets one.</summary>
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
        // Bounded spin: a holder may be about to release, and a free permit may be taken ahead of queued waiters.
        var spins = 0;
        while ((Volatile.Read(ref semaphore->_state) & Disposed) == 0
            && (!s_strictFifo || (Volatile.Read(ref semaphore->_state) & HasWaiters) == 0)
            && Seam.SpinOnce(ref spins, SpinLimit, (nint)semaphore))
        {
            if (TryTakeIfAvailable(semaphore))
            {
                return true;
            }
        }

        // SAFETY: the node lives in this frame; the wait scope (BlockingWait) returns or throws only once it is
        // unlinked, so no waker can touch it after we return (grant, wake, timeout, cancellation, dispose, exception).
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        node.EnqueuedAt = Seam.NowTicks();

        // Registered outside the wait lock: the callback only unparks (it never takes the lock or touches the node).
        // Unregister, not Dispose: Dispose may wait (interruptibly) for a running callback.
        var registration = cancellationToken.CanBeCanceled ? ParkerCancellation.Register(node.Parker, cancellationToken) : default;
        try
        {
            var requeue = false;
            while (true)
            {
                switch (BlockingWait.Wait(new WaitList(semaphore, requeue), &node, deadline, cancellationToken))
                {
                    case WaitNodeState.Granted:
                        return true;
                    case WaitNodeState.Woken:
                        if (cancellationToken.IsCancellationRequested || Seam.NowTicks() >= deadline)
                        {
                            PassWakeup(semaphore);
                            break;
                        }

                        if (TryTakeWoken(semaphore))
                        {
                            return true;
                        }

                        // Lost the race to a barger: settle under the lock (take a permit freed meanwhile, or go back
                        // to the head, where the next release hands us a permit directly: LostWakeup).
                        requeue = true;
                        continue;
                    case WaitNodeState.Disposed:
                        ThrowDisposed();
                        break;
                    case WaitNodeState.Canceled:
                        cancellationToken.ThrowIfCancellationRequested();
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

    /// <summary>A blocking waiter on the semaphore's list (<see cref="BlockingWait"/>). <see cref="_requeue"/>: a woken
    /// waiter that lost its race settles its wake and goes back to the head (<see cref="SettleWokenLocked"/>). A
    /// permit handed to a waiter that leaves by an exception goes back (<see cref="ReturnPermit"/>), and a wake is
    /// passed on (<see cref="PassWakeup"/>).</summary>
    private readonly struct WaitList : IBlockingWaitList
    {
        private readonly RawSemaphore* _semaphore;
        private readonly bool _requeue;

        internal WaitList(RawSemaphore* semaphore, bool requeue)
        {
            _semaphore = semaphore;
            _requeue = requeue;
        }

        public nint Resource => (nint)_semaphore;

        public string Operation => nameof(Wait);

        public int LinkOrComplete(WaitNode* node)
        {
            // SAFETY: live, pinned semaphore; its list is only touched under its wait lock.
            _semaphore->_waitLock.Enter();
            int state;
            if (_requeue)
            {
                state = SettleWokenLocked(_semaphore);
                if (state == WaitNodeState.Waiting)
                {
                    node->Flags |= WaitNodeFlags.LostWakeup;
                    LinkLocked(_semaphore, node, atHead: true);
                }
                else
                {
                    ClearWaitersBitIfEmptyLocked(_semaphore);
                }
            }
            else if ((_semaphore->_state & Disposed) != 0)
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
            else if (state == WaitNodeState.Woken)
            {
                PassWakeup(_semaphore);
            }
        }
    }
}
