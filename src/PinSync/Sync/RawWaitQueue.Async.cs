using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// Awaited waits: each sleep is one <see cref="AsyncWaiter"/> (pooled source + slab node); the wait_event loop around
/// it is a pooled async method, so a wait allocates nothing once warm (the condition delegate is the caller's).
/// </summary>
/// <remarks>This part is not an unsafe context (it holds async methods); pointer members are marked one by one.</remarks>
public partial struct RawWaitQueue
{
    private static readonly WaitQueueOps s_ops = new();

    /// <summary>Waits asynchronously until <paramref name="condition"/> is true, as a non-exclusive waiter.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="condition">The condition; evaluated outside the wait lock, on the calling thread first and then on
    /// the thread pool thread that resumes the wait, any number of times.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the condition was seen true.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true (the
    /// task is canceled).</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (thrown at once, or delivered to the task).</exception>
    /// <remarks><b>Safety:</b> the caller must keep the queue alive and at its address until the task completes and its
    /// timeout and cancellation callbacks are gone (see <see cref="Dispose(RawWaitQueue*)"/>).</remarks>
    public static unsafe ValueTask WaitUntilAsync(RawWaitQueue* queue, Func<bool> condition, CancellationToken cancellationToken = default) =>
        WaitQueueResult.Void(WaitUntilAsyncCore(queue, condition, Timeout.Infinite, flags: 0, keepAlive: null, cancellationToken));

    /// <summary>Waits asynchronously until <paramref name="condition"/> is true or <paramref name="timeout"/> elapses,
    /// as a non-exclusive waiter.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="condition">The condition (see <see cref="WaitUntilAsync(RawWaitQueue*, Func{bool}, CancellationToken)"/>).</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="WaitUntilAsync(RawWaitQueue*, Func{bool}, CancellationToken)"/>.</remarks>
    public static unsafe ValueTask<bool> WaitUntilAsync(RawWaitQueue* queue, Func<bool> condition, TimeSpan timeout,
        CancellationToken cancellationToken = default) =>
        WaitQueueResult.Bool(WaitUntilAsyncCore(queue, condition, Timeouts.ToMilliseconds(timeout), flags: 0, keepAlive: null, cancellationToken));

    /// <summary>Waits asynchronously until <paramref name="condition"/> is true, as an exclusive waiter.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="condition">The condition (see <see cref="WaitUntilAsync(RawWaitQueue*, Func{bool}, CancellationToken)"/>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the condition was seen true.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="WaitUntilAsync(RawWaitQueue*, Func{bool}, CancellationToken)"/>.</remarks>
    public static unsafe ValueTask WaitUntilExclusiveAsync(RawWaitQueue* queue, Func<bool> condition,
        CancellationToken cancellationToken = default) =>
        WaitQueueResult.Void(WaitUntilAsyncCore(queue, condition, Timeout.Infinite, WaitNodeFlags.Exclusive, keepAlive: null, cancellationToken));

    /// <summary>Waits asynchronously until <paramref name="condition"/> is true or <paramref name="timeout"/> elapses,
    /// as an exclusive waiter.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="condition">The condition (see <see cref="WaitUntilAsync(RawWaitQueue*, Func{bool}, CancellationToken)"/>).</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="WaitUntilAsync(RawWaitQueue*, Func{bool}, CancellationToken)"/>.</remarks>
    public static unsafe ValueTask<bool> WaitUntilExclusiveAsync(RawWaitQueue* queue, Func<bool> condition, TimeSpan timeout,
        CancellationToken cancellationToken = default) =>
        WaitQueueResult.Bool(WaitUntilAsyncCore(queue, condition, Timeouts.ToMilliseconds(timeout), WaitNodeFlags.Exclusive, keepAlive: null, cancellationToken));

    /// <summary>The awaited wait behind every async form: <paramref name="milliseconds"/> validated (-1 = infinite),
    /// <paramref name="keepAlive"/> the object that owns the queue's memory (kept reachable while a waiter is queued).</summary>
    internal static unsafe ValueTask<bool> WaitUntilAsyncCore(RawWaitQueue* queue, Func<bool> condition, long milliseconds, int flags,
        object? keepAlive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (IsDisposed(queue))
        {
            ThrowHelper.ThrowObjectDisposedException_Named(ObjectName);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        // Fast path: no node, nothing queued, nothing allocated.
        if (condition())
        {
            return new ValueTask<bool>(true);
        }

        return milliseconds == 0
            ? new ValueTask<bool>(false)
            : WaitAsyncSlow((nint)queue, condition, Timeouts.Deadline(milliseconds), flags, keepAlive, cancellationToken);
    }

    /// <summary>The wait_event loop for an awaited wait (the blocking loop's twin; see the notes in RawWaitQueue.cs).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> WaitAsyncSlow(nint queue, Func<bool> condition, long deadline, int flags,
        object? keepAlive, CancellationToken cancellationToken)
    {
        var exclusive = (flags & WaitNodeFlags.Exclusive) != 0;
        Seam.Point(SchedulingPointKind.Wait, queue, nameof(WaitUntilAsync));
        var atHead = false;
        while (true)
        {
            // prepare_to_wait: link (token and timer registered before), fence, re-check.
            var waiter = LinkAsync(queue, flags, deadline, keepAlive, atHead, cancellationToken, out var outcome, out var handle, out var version);
            if (waiter is null)
            {
                if (outcome == WaitNodeState.Disposed)
                {
                    ThrowHelper.ThrowObjectDisposedException_Named(ObjectName);
                }

                // The timeout or the token fired before the link: one last look, and a true evaluation stands.
                if (condition())
                {
                    return true;
                }

                cancellationToken.ThrowIfCancellationRequested();
                return false;
            }

            var pending = new ValueTask<bool>(waiter, version);
            bool ready;
            try
            {
                ready = condition();
            }
            catch
            {
                // Leave; if a wake chose us meanwhile, pass it on.
                if (!TryLeave(queue, waiter, handle, flags) && await ConsumeAsync(pending).ConfigureAwait(false) && exclusive)
                {
                    PassWakeupFrom(queue);
                }

                throw;
            }

            if (ready)
            {
                // finish_wait: whoever unlinked us meanwhile, the true evaluation stands (a wake is consumed by it).
                if (!TryLeave(queue, waiter, handle, flags))
                {
                    await ConsumeAsync(pending).ConfigureAwait(false);
                }

                return true;
            }

            // schedule.
            bool woken;
            try
            {
                woken = await pending.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                woken = false;
            }

            if (!woken)
            {
                // Timed out or canceled while linked: one last look, and a true evaluation stands.
                if (condition())
                {
                    return true;
                }

                cancellationToken.ThrowIfCancellationRequested();
                return false;
            }

            // Woken (the node is back in the slab): re-check without a node first.
            bool readyAfterWake;
            try
            {
                readyAfterWake = condition();
            }
            catch
            {
                if (exclusive)
                {
                    PassWakeupFrom(queue);
                }

                throw;
            }

            if (readyAfterWake)
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

    /// <summary><see cref="PassWakeup(RawWaitQueue*)"/> for the async loop, which holds the queue as an address.</summary>
    private static unsafe void PassWakeupFrom(nint queue) => PassWakeup((RawWaitQueue*)queue);

    /// <summary>Consumes the completion of a waiter that someone else unlinked; returns whether that was a wake.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> ConsumeAsync(ValueTask<bool> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false; // Its token fired; the caller's outcome does not depend on it.
        }
        catch (ObjectDisposedException)
        {
            return false; // Disposed after the caller saw its condition true; the true evaluation stands.
        }
    }

    /// <summary>
    /// Rents a waiter, registers its token and timeout, and links its node unless the queue was disposed or the
    /// wait was abandoned (timeout or token fired) before the link; then <paramref name="outcome"/> says which, and
    /// the waiter has been given back. Fences after linking (see <see cref="Link"/>).
    /// </summary>
    private static unsafe AsyncWaiter? LinkAsync(nint primitive, int flags, long deadline, object? keepAlive, bool atHead,
        CancellationToken cancellationToken, out int outcome, out nint handle, out short version)
    {
        var queue = (RawWaitQueue*)primitive;
        var waiter = AsyncWaiter.Rent();
        var node = waiter.Begin(s_ops, primitive, keepAlive, deadline, cancellationToken, count: 1, flags: flags);

        // Read while the node is certainly ours: once linked, a waker may complete the waiter and its node go back to
        // the slab (and to another wait) at any moment; only the waiter object and its version stay ours until we
        // consume the result.
        handle = node->Waiter;
        version = waiter.Version;

        // SAFETY: the queue is live (the caller keeps it so); the node is detached and owned by the waiter, which
        // keeps it at its slab address until it is unlinked under this lock and its callbacks are quiesced.
        queue->_waitLock.Enter();
        var disposed = (queue->_state & Disposed) != 0;
        var abandoned = !disposed && waiter.IsAbandoned;
        if (disposed || abandoned)
        {
            queue->_waitLock.Exit();
            outcome = disposed ? WaitNodeState.Disposed : waiter.AbandonState;
            waiter.Abort();
            return null;
        }

        LinkLocked(queue, node, atHead);
        queue->_waitLock.Exit();

        // Pairs with the fence in Wake* (see Link).
        Interlocked.MemoryBarrier();
        outcome = WaitNodeState.Waiting;
        Seam.Point(SchedulingPointKind.Enqueue, primitive, nameof(WaitUntilAsync));
        return waiter;
    }

    /// <summary>
    /// The waiter leaves by itself (its condition turned true, or threw, right after linking): if its node is still
    /// linked, unlinks it and gives the waiter back (nobody else will complete it); <see langword="false"/> when someone
    /// else unlinked it and queued its completion.
    /// </summary>
    /// <remarks>
    /// The node is looked up by <paramref name="handle"/> in the queue's own list, under the wait lock, never through
    /// <see cref="AsyncWaiter.Node"/>: once linked, a concurrent wake may complete the waiter, and its node may return
    /// to the slab and be linked by another wait (in another queue) before we get here. A node reachable from this
    /// queue's heads under the wait lock is linked here and alive, and only our waiter's node carries our handle (the
    /// waiter is not pooled again before we consume its result).
    /// </remarks>
    private static unsafe bool TryLeave(nint primitive, AsyncWaiter waiter, nint handle, int flags)
    {
        var queue = (RawWaitQueue*)primitive;
        queue->_waitLock.Enter();
        var node = FindLocked(queue, handle, flags);
        if (node is not null)
        {
            UnlinkLocked(queue, node);

            // SAFETY: we unlinked it under the wait lock, so we own its completion.
            node->State = WaitNodeState.Canceled;
        }

        queue->_waitLock.Exit();
        if (node is null)
        {
            return false;
        }

        Seam.Point(SchedulingPointKind.Cancel, primitive, nameof(WaitUntilAsync));
        waiter.Abort();
        return true;
    }

    /// <summary>Under the wait lock: the linked node of the async waiter with GC handle <paramref name="handle"/> in
    /// the list its flags select, searched from both ends (a fresh link is at the tail, a re-queued exclusive waiter at
    /// the head); <see langword="null"/> when it is not linked.</summary>
    private static unsafe WaitNode* FindLocked(RawWaitQueue* queue, nint handle, int flags)
    {
        AssertInvariantsLocked(queue);
        var head = (flags & WaitNodeFlags.Exclusive) != 0 ? &queue->_exclusive : &queue->_shared;

        // SAFETY: the wait lock is held, so every link reached from the head is a linked, live node of this queue
        // (Link is the first field of WaitNode).
        for (ListHead* front = head->Next, back = head->Prev; front != head; front = front->Next, back = back->Prev)
        {
            if (((WaitNode*)front)->Waiter == handle)
            {
                return (WaitNode*)front;
            }

            if (((WaitNode*)back)->Waiter == handle)
            {
                return (WaitNode*)back;
            }

            if (front == back || front->Next == back)
            {
                break;
            }
        }

        return null;
    }

    /// <summary>The wait queue's side of the async waiter protocol: wakes set <see cref="WaitNodeState.Granted"/>, so
    /// the waiter completes with <see langword="true"/> and re-checks its condition itself.</summary>
    private sealed unsafe class WaitQueueOps : WaitListOps
    {
        internal override string Name => ObjectName;

        internal override bool TryUnlink(nint primitive, WaitNode* node, int newState)
        {
            var queue = (RawWaitQueue*)primitive;

            // SAFETY: the waiter keeps the queue alive while its node may be linked; the lock makes the unlink and the
            // state write atomic with respect to wakers.
            queue->_waitLock.Enter();
            var unlinked = UnlinkLocked(queue, node);
            if (unlinked)
            {
                node->State = newState;
            }

            queue->_waitLock.Exit();
            return unlinked;
        }
    }
}
