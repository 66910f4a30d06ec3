using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Blocking waits: the waiter node lives in the waiting frame, on the stack.</summary>
public unsafe partial struct RawWaitQueue
{
    /// <summary>Blocks the calling thread until <paramref name="condition"/> is true, as a non-exclusive waiter.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="condition">The condition; evaluated outside the wait lock, on the calling thread, any number of
    /// times. Whoever makes it true must then call <see cref="WakeOne(RawWaitQueue*)"/> or
    /// <see cref="WakeAll(RawWaitQueue*)"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true (also
    /// when it was already canceled on entry).</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a live queue built by <see cref="Init"/> that stays at its address
    /// until this call returns.</remarks>
    public static void WaitUntil(RawWaitQueue* queue, Func<bool> condition, CancellationToken cancellationToken = default) =>
        WaitUntilCore(queue, condition, Timeout.Infinite, flags: 0, cancellationToken);

    /// <summary>Blocks the calling thread until <paramref name="condition"/> is true or <paramref name="timeout"/>
    /// elapses, as a non-exclusive waiter.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="condition">The condition (see <see cref="WaitUntil(RawWaitQueue*, Func{bool}, CancellationToken)"/>).</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms (0
    /// evaluates the condition once).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout (the
    /// condition was false at its last evaluation).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="WaitUntil(RawWaitQueue*, Func{bool}, CancellationToken)"/>.</remarks>
    public static bool WaitUntil(RawWaitQueue* queue, Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitUntilCore(queue, condition, Timeouts.ToMilliseconds(timeout), flags: 0, cancellationToken);

    /// <summary>Blocks the calling thread until <paramref name="condition"/> is true, as an exclusive waiter:
    /// <see cref="WakeOne(RawWaitQueue*)"/> wakes one exclusive waiter at a time, in FIFO order.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="condition">The condition (see <see cref="WaitUntil(RawWaitQueue*, Func{bool}, CancellationToken)"/>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="WaitUntil(RawWaitQueue*, Func{bool}, CancellationToken)"/>.</remarks>
    public static void WaitUntilExclusive(RawWaitQueue* queue, Func<bool> condition, CancellationToken cancellationToken = default) =>
        WaitUntilCore(queue, condition, Timeout.Infinite, WaitNodeFlags.Exclusive, cancellationToken);

    /// <summary>Blocks the calling thread until <paramref name="condition"/> is true or <paramref name="timeout"/>
    /// elapses, as an exclusive waiter.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="condition">The condition (see <see cref="WaitUntil(RawWaitQueue*, Func{bool}, CancellationToken)"/>).</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="WaitUntil(RawWaitQueue*, Func{bool}, CancellationToken)"/>.</remarks>
    public static bool WaitUntilExclusive(RawWaitQueue* queue, Func<bool> condition, TimeSpan timeout,
        CancellationToken cancellationToken = default) =>
        WaitUntilCore(queue, condition, Timeouts.ToMilliseconds(timeout), WaitNodeFlags.Exclusive, cancellationToken);

    /// <summary>The blocking wait behind every sync form: <paramref name="milliseconds"/> validated (-1 = infinite).</summary>
    internal static bool WaitUntilCore(RawWaitQueue* queue, Func<bool> condition, long milliseconds, int flags,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (IsDisposed(queue))
        {
            ThrowHelper.ThrowObjectDisposedException_Named(ObjectName);
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Fast path: no node, nothing queued.
        if (condition())
        {
            return true;
        }

        return milliseconds != 0 && WaitSlow(queue, condition, Timeouts.Deadline(milliseconds), flags, cancellationToken);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool WaitSlow(RawWaitQueue* queue, Func<bool> condition, long deadline, int flags, CancellationToken cancellationToken)
    {
        var exclusive = (flags & WaitNodeFlags.Exclusive) != 0;

        // SAFETY: the node lives in this frame. It is linked only inside the wait scope (BlockingWait), which unlinks it
        // on every exit — the condition or the seam throwing included — so no waker touches it once we leave.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Flags = flags;
        node.Count = 1;
        node.EnqueuedAt = Seam.NowTicks();

        var registration = cancellationToken.CanBeCanceled ? ParkerCancellation.Register(node.Parker, cancellationToken) : default;

        // Set while a woken exclusive waiter evaluates its condition: if that throws, the wakeup is passed on.
        var holdsWakeup = false;
        try
        {
            Seam.Point(SchedulingPointKind.Wait, (nint)queue, nameof(WaitUntil));
            var atHead = false;
            while (true)
            {
                // prepare_to_wait (link, fence), re-check in the scope's OnLinked, schedule, finish_wait.
                var state = BlockingWait.Wait(new WaitList(queue, condition, atHead), &node, deadline, cancellationToken);
                switch (state)
                {
                    case WaitNodeState.Ready:
                        // True right after the link: whoever unlinked us meanwhile (a wake, the timeout, the token,
                        // Dispose), the true evaluation stands; a wake meant for us is consumed by returning.
                        return true;
                    case WaitNodeState.Disposed:
                        ThrowHelper.ThrowObjectDisposedException_Named(ObjectName);
                        break;
                    case WaitNodeState.Canceled or WaitNodeState.TimedOut:
                        // Timed out or canceled while linked: one last look, and a true evaluation stands.
                        if (condition())
                        {
                            return true;
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                        return false;
                }

                // Woken (the node is unlinked): re-check without a node first.
                holdsWakeup = exclusive;
                var ready = condition();
                holdsWakeup = false;
                if (ready)
                {
                    return true;
                }

                // Someone else consumed what the wakeup announced: nothing to pass on. Give up, or sleep again.
                cancellationToken.ThrowIfCancellationRequested();
                if (deadline != Seam.Infinite && Seam.NowTicks() >= deadline)
                {
                    return false;
                }

                atHead = exclusive;
            }
        }
        finally
        {
            registration.Unregister();
            if (holdsWakeup)
            {
                PassWakeup(queue);
            }
        }
    }

    /// <summary>A blocking waiter on the wait queue (<see cref="BlockingWait"/>): the condition is re-checked right
    /// after the link (no wakeup can be missed between the check and the park); a wake meant for an exclusive waiter
    /// that leaves by an exception goes to the next one.</summary>
    private readonly struct WaitList : IBlockingWaitList
    {
        private readonly RawWaitQueue* _queue;
        private readonly Func<bool> _condition;
        private readonly bool _atHead;

        internal WaitList(RawWaitQueue* queue, Func<bool> condition, bool atHead)
        {
            _queue = queue;
            _condition = condition;
            _atHead = atHead;
        }

        public nint Resource => (nint)_queue;

        public string Operation => nameof(WaitUntil);

        public int LinkOrComplete(WaitNode* node) => Link(_queue, node, _atHead) ? WaitNodeState.Waiting : WaitNodeState.Disposed;

        public bool OnLinked(WaitNode* node)
        {
            Seam.Point(SchedulingPointKind.Enqueue, (nint)_queue, nameof(WaitUntil));
            return _condition();
        }

        public bool IsWaiting(WaitNode* node) => Volatile.Read(ref node->State) == WaitNodeState.Waiting;

        public bool TryUnlink(WaitNode* node)
        {
            _queue->_waitLock.Enter();
            var unlinked = UnlinkLocked(_queue, node);
            _queue->_waitLock.Exit();
            return unlinked;
        }

        public void PassOn(WaitNode* node, int state)
        {
            if (state == WaitNodeState.Granted && (node->Flags & WaitNodeFlags.Exclusive) != 0)
            {
                PassWakeup(_queue);
            }
        }
    }
}
