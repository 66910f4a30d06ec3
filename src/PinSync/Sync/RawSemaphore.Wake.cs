using System.Diagnostics;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Woken waiters: who is woken or handed a permit (the Count &gt; Woken rule and the starvation handoff), how a
/// woken waiter competes, re-queues or gives up (see the implementation notes in RawSemaphore.cs).</summary>
public unsafe partial struct RawSemaphore
{
    /// <summary>A woken waiter competes: takes a permit and lowers <c>Woken</c> in one compare-and-swap, clearing
    /// <c>NoBarge</c> (an overdue wake has come in). Fails, changing nothing, when no permit is free or the semaphore
    /// is disposed (the waiter then settles under the wait lock).</summary>
    private static bool TryTakeWoken(RawSemaphore* semaphore)
    {
        // SAFETY: callers pass a live, pinned semaphore.
        var state = Volatile.Read(ref semaphore->_state);
        while ((state & Disposed) == 0 && (state & CountMask) != 0)
        {
            Debug.Assert(WokenOf(state) > 0, "A woken waiter is counted in Woken until it competes.");
            var seen = Interlocked.CompareExchange(ref semaphore->_state, (state - One - WokenOne) & ~NoBarge, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>
    /// Under the wait lock, for a woken waiter that lost its race: sets <see cref="HasWaiters"/> and lowers
    /// <c>Woken</c>, taking a permit in the same step if one is free. Returns <see cref="WaitNodeState.Granted"/>,
    /// <see cref="WaitNodeState.Disposed"/>, or <see cref="WaitNodeState.Waiting"/>: no permit, and the caller links
    /// its node at the head now (a release after this sees the node and Woken lowered, so it wakes it).
    /// </summary>
    private static int SettleWokenLocked(RawSemaphore* semaphore)
    {
        AssertInvariantsLocked(semaphore);
        var state = Interlocked.Or(ref semaphore->_state, HasWaiters) | HasWaiters;
        while (true)
        {
            Debug.Assert(WokenOf(state) > 0, "A woken waiter is counted in Woken until it competes.");
            var take = (state & Disposed) == 0 && (state & CountMask) != 0;
            var seen = Interlocked.CompareExchange(ref semaphore->_state, (state - WokenOne - (take ? One : 0)) & ~NoBarge, state);
            if (seen == state)
            {
                return (state & Disposed) != 0 ? WaitNodeState.Disposed : take ? WaitNodeState.Granted : WaitNodeState.Waiting;
            }

            state = seen;
        }
    }

    /// <summary>
    /// Called holding the wait lock, after a change that may leave free permits without a waiter on its way (a
    /// release, a woken waiter giving up); exits it. Wakes or grants queued heads (<see cref="DistributeLocked"/>),
    /// batch by batch, re-taking the lock between batches, and wakes them outside the lock. With
    /// <paramref name="point"/> a scheduling point precedes the wakes; without (a settle step while an exception
    /// unwinds) there is none, and this never throws.
    /// </summary>
    private static void DistributeAndExit(RawSemaphore* semaphore, int handoffs, bool point)
    {
        // Wake information of the waiters settled in one batch, used after the wait lock is dropped.
        var parkers = stackalloc int[WakeBatch];
        var waiters = stackalloc nint[WakeBatch];
        var fair = stackalloc bool[WakeBatch];

        // _drainers counts this caller until it has woken or granted what queued waiters can take.
        semaphore->_drainers++;
        while (true)
        {
            var settled = DistributeLocked(semaphore, parkers, waiters, fair, ref handoffs);
            var more = settled == WakeBatch;
            if (!more)
            {
                semaphore->_drainers--;
                AssertInvariantsLocked(semaphore);
            }

            semaphore->_waitLock.Exit();

            // Outside the lock: a settled node may already be gone (its owner saw its state); we use only the copies.
            if (settled > 0)
            {
                try
                {
                    if (point)
                    {
                        Seam.Point(SchedulingPointKind.Wake, (nint)semaphore, "wake");
                    }
                }
                finally
                {
                    // The nodes are settled: the wakes go out even if a controller ends the schedule at the point.
                    for (var i = 0; i < settled; i++)
                    {
                        RawMutex.Wake(parkers[i], waiters[i], fair[i]);
                    }
                }
            }

            if (!more)
            {
                return;
            }

            semaphore->_waitLock.Enter();
        }
    }

    /// <summary>
    /// Under the wait lock: settles queued heads, oldest first, at most <see cref="WakeBatch"/>, while permits are
    /// free. A head that has waited past the starvation bound, or a blocking head that lost a race it was woken for,
    /// is granted a permit out of the count (while <paramref name="handoffs"/>, the permits the caller brought, last);
    /// any other head is woken while the count exceeds the woken waiters on their way (<c>Woken</c>). Copies each
    /// one's wake information and returns how many were settled. Nothing is settled on a disposed semaphore (Dispose
    /// fails the queue).
    /// </summary>
    private static int DistributeLocked(RawSemaphore* semaphore, int* parkers, nint* waiters, bool* fair, ref int handoffs)
    {
        var settled = 0;
        var now = 0L;
        while (settled < WakeBatch)
        {
            var first = ListHead.First(&semaphore->_waiters);
            if (first is null)
            {
                break;
            }

            // SAFETY: Link is the first field of WaitNode, so the first list entry is the node; it is linked, hence
            // alive (its owner cannot leave before it is unlinked under this lock).
            var node = (WaitNode*)first;
            var state = Volatile.Read(ref semaphore->_state);

            // A head is considered for a handoff only when the caller brought permits and the head would be woken
            // otherwise (a free permit nobody is on the way for), or when it is a blocking head that already lost once:
            // as RawMutex's unlock with a wake pending, a release whose permit a woken waiter is already hopping to
            // only adds it to the count, and reads no clock (the woken waiter competes soon, and if it loses it
            // re-queues at the head keeping its enqueue time, so the next release hands it the permit).
            var handOff = handoffs > 0
                && (s_strictFifo
                    || (node->Flags & WaitNodeFlags.LostWakeup) != 0
                    || (CountOf(state) > WokenOf(state) && Starving(node, ref now)));

            // The permit leaves the count (a grant) or Woken rises (a wake) before the node leaves the list: unlinking
            // the last node clears HasWaiters, after which releases may take their fast path again.
            while (true)
            {
                var count = CountOf(state);
                var covered = s_mutantOneWakePendingFor == (nint)semaphore ? WokenOf(state) > 0 : count <= WokenOf(state);
                if ((state & Disposed) != 0 || count == 0 || (!handOff && covered))
                {
                    return settled;
                }

                if (!handOff && WokenOf(state) == 0)
                {
                    semaphore->_wakeClock.Start(); // the first wake on its way: the overdue clock starts
                }

                var seen = Interlocked.CompareExchange(ref semaphore->_state, handOff ? state - One : state + WokenOne, state);
                if (seen == state)
                {
                    break;
                }

                state = seen;
            }

            UnlinkLocked(semaphore, node);
            node->State = handOff ? WaitNodeState.Granted : WaitNodeState.Woken;
            if (handOff)
            {
                handoffs--;
            }

            parkers[settled] = node->Parker;
            waiters[settled] = node->Waiter;
            fair[settled] = handOff;
            settled++;
        }

        return settled;
    }

    /// <summary>Whether <paramref name="node"/> has waited past the starvation bound; reads the clock once per
    /// caller (<paramref name="now"/>, 0 until read). The mutex's handoff clock: never ahead of the real time, and
    /// cheap in production (late by at most the lesser of seven reads on this thread and one kernel tick; see
    /// <see cref="RawMutex.HandoffClock"/>). An async waiter's stamp comes from the same cache on its own thread and
    /// may be early by that cache's lag (<see cref="EnqueueStamp"/>).</summary>
    private static bool Starving(WaitNode* node, ref long now)
    {
        if (now == 0)
        {
            now = RawMutex.HandoffClock();
        }

        return now - node->EnqueuedAt >= RawMutex.StarvationThresholdTicks;
    }

    /// <summary>
    /// A woken waiter gives up (timeout, cancellation, an exception) without competing: lowers <c>Woken</c> and wakes
    /// the next head if a free permit now has nobody on the way. Never throws; no scheduling point (it may run while a
    /// controller is ending the schedule).
    /// </summary>
    private static void PassWakeup(RawSemaphore* semaphore)
    {
        semaphore->_waitLock.Enter();
        var state = Volatile.Read(ref semaphore->_state);
        while (true)
        {
            Debug.Assert(WokenOf(state) > 0, "A woken waiter is counted in Woken until it competes.");
            var seen = Interlocked.CompareExchange(ref semaphore->_state, (state - WokenOne) & ~NoBarge, state);
            if (seen == state)
            {
                break;
            }

            state = seen;
        }

        if (s_mutantNoPassOnFor == (nint)semaphore)
        {
            semaphore->_waitLock.Exit();
            return;
        }

        DistributeAndExit(semaphore, handoffs: 0, point: false);
    }
}
