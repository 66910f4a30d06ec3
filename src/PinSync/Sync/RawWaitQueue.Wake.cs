using System.Diagnostics;
using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Wakes and dispose: unlink under the wait lock in batches, wake after dropping it.</summary>
public unsafe partial struct RawWaitQueue
{
    /// <summary>How many waiters one critical section of a wake collects before it drops the lock to wake them.</summary>
    private const int WakeBatch = 16;

    /// <summary>
    /// Wakes the first queued exclusive waiter and every queued non-exclusive waiter (the kernel's <c>wake_up</c>).
    /// Call it after making the condition true. Nothing is stored when nobody waits.
    /// </summary>
    /// <param name="queue">The queue.</param>
    /// <returns>How many waiters were woken (0 when none was queued).</returns>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks>
    /// <para>A woken waiter re-evaluates its condition and goes back to sleep if it is false. Only waiters linked
    /// before this call took the wait lock are woken; a waiter that links later re-checks its condition after this
    /// call's caller changed it. Async waiters resume on the thread pool, never inline in this call.</para>
    /// <para><b>Safety:</b> the caller must pass a live queue built by <see cref="Init"/>.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WakeOne(RawWaitQueue* queue) => WakeCore(queue, exclusiveBudget: 1, nameof(WakeOne));

    /// <summary>Wakes every queued waiter, exclusive or not (the kernel's <c>wake_up_all</c>). Call it after making
    /// the condition true. Nothing is stored when nobody waits.</summary>
    /// <param name="queue">The queue.</param>
    /// <returns>How many waiters were woken (0 when none was queued).</returns>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks>
    /// <para>As for <see cref="WakeOne(RawWaitQueue*)"/>: waiters linked after this call took the wait lock are not
    /// woken (they have seen the new condition), and continuations never run inline.</para>
    /// <para><b>Safety:</b> the caller must pass a live queue built by <see cref="Init"/>.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WakeAll(RawWaitQueue* queue) => WakeCore(queue, exclusiveBudget: int.MaxValue, nameof(WakeAll));

    /// <summary>
    /// Marks the queue disposed and fails every queued waiter with <see cref="ObjectDisposedException"/>. Later waits
    /// and wakes throw it. Idempotent.
    /// </summary>
    /// <param name="queue">The queue.</param>
    /// <remarks><b>Safety:</b> the caller must pass a live queue built by <see cref="Init"/>. Its memory may be freed
    /// only once no waiter can still reach it: after every blocking waiter has returned, and after every async waiter
    /// has completed and its timeout and cancellation callbacks are gone (they run on the thread pool shortly after
    /// this call).</remarks>
    public static void Dispose(RawWaitQueue* queue)
    {
        Seam.Point(SchedulingPointKind.Lifecycle, (nint)queue, nameof(Dispose));

        // SAFETY: the caller guarantees a live queue. Set before the drain: Link checks the bit under the wait lock, so
        // a waiter either linked before the drain's first critical section (and is drained) or sees the bit.
        Interlocked.Or(ref queue->_state, Disposed);
        Drain(queue, int.MaxValue, WaitNodeState.Disposed, horizon: long.MaxValue);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WakeCore(RawWaitQueue* queue, int exclusiveBudget, string operation)
    {
        Seam.Point(SchedulingPointKind.Notify, (nint)queue, operation);
        if (IsDisposed(queue))
        {
            ThrowHelper.ThrowObjectDisposedException_Named(ObjectName);
        }

        // The early exit of the notes (the kernel's wq_has_sleeper): this fence pairs with the one in Link. Either we
        // see a linked waiter here, or that waiter's re-check sees what our caller wrote before calling us.
        Interlocked.MemoryBarrier();

        // SAFETY: the caller guarantees a live queue; a racy read of the count is what the fence pairing allows.
        return Volatile.Read(ref queue->_waiterCount) == 0 ? 0 : Drain(queue, exclusiveBudget, WaitNodeState.Granted, horizon: 0);
    }

    /// <summary>
    /// A woken exclusive waiter leaves without consuming its wakeup (its condition threw): wakes the next exclusive
    /// waiter (and, as every <see cref="WakeOne(RawWaitQueue*)"/> does, the non-exclusive ones). No-op once disposed.
    /// </summary>
    internal static void PassWakeup(RawWaitQueue* queue)
    {
        if (IsDisposed(queue))
        {
            return;
        }

        Interlocked.MemoryBarrier();

        // SAFETY: the waiter that passes its wakeup on keeps the queue alive.
        if (Volatile.Read(ref queue->_waiterCount) != 0)
        {
            Drain(queue, exclusiveBudget: 1, WaitNodeState.Granted, horizon: 0);
        }
    }

    /// <summary>
    /// Unlinks up to <paramref name="exclusiveBudget"/> exclusive waiters (from the head) and every non-exclusive
    /// waiter whose link sequence is at most <paramref name="horizon"/> (0 = the sequence at the first critical
    /// section), sets their state to <paramref name="newState"/>, and wakes them after dropping the lock, in batches of
    /// <see cref="WakeBatch"/>. Returns how many were woken.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Drain(RawWaitQueue* queue, int exclusiveBudget, int newState, long horizon)
    {
        // What each wake needs, copied under the lock: once it is dropped, a woken stack node may be gone.
        var parkers = stackalloc int[WakeBatch];
        var waiters = stackalloc nint[WakeBatch];
        var woken = 0;
        while (true)
        {
            var count = 0;
            queue->_waitLock.Enter();
            AssertInvariantsLocked(queue);
            if (horizon == 0)
            {
                // SAFETY (for the whole section): the wait lock is held, so every node reached from the heads is linked,
                // hence alive (its owner cannot leave before it sees it unlinked under this lock); Link is the first
                // field of WaitNode, so a list entry is its node.
                horizon = queue->_linkSequence;
            }

            // Exclusive waiters first: WakeOne's one is the head of its list. The list is not sorted by sequence (a
            // re-queue goes to the head), so nodes linked after the horizon are skipped, not stopped at.
            var head = &queue->_exclusive;
            for (var link = head->Next; link != head && exclusiveBudget > 0 && count < WakeBatch;)
            {
                var node = (WaitNode*)link;
                link = link->Next;
                if ((long)node->Tag <= horizon)
                {
                    TakeLocked(queue, node, newState, parkers, waiters, ref count);
                    exclusiveBudget--;
                }
            }

            // Non-exclusive waiters are linked at the tail only, so their sequence grows along the list.
            while (count < WakeBatch)
            {
                var first = ListHead.First(&queue->_shared);
                if (first is null || (long)((WaitNode*)first)->Tag > horizon)
                {
                    break;
                }

                TakeLocked(queue, (WaitNode*)first, newState, parkers, waiters, ref count);
            }

            queue->_waitLock.Exit();

            // Outside the lock: unpark threads, queue async completions (never inline).
            RawMutex.WakeEach(parkers, waiters, count, (nint)queue, newState == WaitNodeState.Disposed ? nameof(Dispose) : "wake");

            woken += count;
            if (count < WakeBatch)
            {
                return woken;
            }
        }
    }

    /// <summary>Under the wait lock: unlinks <paramref name="node"/>, which the caller found linked, makes the caller
    /// the owner of its completion, and copies what its wake needs.</summary>
    private static void TakeLocked(RawWaitQueue* queue, WaitNode* node, int newState, int* parkers, nint* waiters, ref int count)
    {
        var unlinked = UnlinkLocked(queue, node);
        Debug.Assert(unlinked, "A node reached from a list head is linked.");

        // SAFETY: the wait lock is held and we unlinked the node, so we own its completion; its owner reads State only
        // under this lock (blocking) or after being queued (async).
        node->State = newState;
        parkers[count] = node->Parker;
        waiters[count] = node->Waiter;
        count++;
    }
}
