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

        // SAFETY: the node lives in this frame. It is linked only between Link and Leave; every path out (return,
        // exception from the condition, from the seam or from a throw below) either passes Leave or reaches the
        // finally with `linked` set, which leaves; Leave observes it unlinked under the wait lock, after which no waker
        // touches it.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Flags = flags;
        node.Count = 1;
        node.EnqueuedAt = Seam.NowTicks();

        var registration = cancellationToken.CanBeCanceled ? ParkerCancellation.Register(node.Parker, cancellationToken) : default;
        var linked = false;

        // Set while a woken exclusive waiter evaluates its condition: if that throws, the wakeup is passed on.
        var holdsWakeup = false;
        try
        {
            Seam.Point(SchedulingPointKind.Wait, (nint)queue, nameof(WaitUntil));
            var atHead = false;
            while (true)
            {
                // prepare_to_wait: link, fence, re-check (see the notes for why no wakeup is lost).
                if (!Link(queue, &node, atHead))
                {
                    ThrowHelper.ThrowObjectDisposedException_Named(ObjectName);
                }

                linked = true;
                Seam.Point(SchedulingPointKind.Enqueue, (nint)queue, nameof(WaitUntil));
                if (condition())
                {
                    // finish_wait: whoever unlinked us meanwhile (a wake, the timeout, the token, Dispose), the true
                    // evaluation stands; a wake meant for us is consumed by returning.
                    linked = false;
                    Leave(queue, &node, canceled: false);
                    return true;
                }

                // schedule
                BlockingWait.ParkWhileWaiting(&node, deadline, (nint)queue, nameof(WaitUntil), cancellationToken);

                linked = false;
                var state = Leave(queue, &node, cancellationToken.IsCancellationRequested);
                if (state == WaitNodeState.Disposed)
                {
                    ThrowHelper.ThrowObjectDisposedException_Named(ObjectName);
                }

                if (state != WaitNodeState.Granted)
                {
                    // Timed out or canceled while linked: one last look, and a true evaluation stands.
                    Seam.Point(SchedulingPointKind.Cancel, (nint)queue, nameof(WaitUntil));
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
            if (linked)
            {
                // The condition (or the seam) threw while the node was linked.
                holdsWakeup = Leave(queue, &node, canceled: false) == WaitNodeState.Granted && exclusive;
            }

            registration.Dispose();
            if (holdsWakeup)
            {
                PassWakeup(queue);
            }
        }
    }
}
