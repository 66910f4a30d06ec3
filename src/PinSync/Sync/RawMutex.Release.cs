using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Release with waiters, and dispose.</summary>
public unsafe partial struct RawMutex
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UnlockSlow(RawMutex* mutex)
    {
        var observed = Volatile.Read(ref mutex->_state);
        while (true)
        {
            if ((observed & Locked) == 0)
            {
                ThrowHelper.ThrowSynchronizationLockException_LockNotHeld();
            }

            if ((observed & NotifiedSlot) != 0)
            {
                // A condition waiter notified while we held the mutex (RawMutex.CondVar.cs): woken by this release,
                // or moved to the head of the list first when others queued since.
                if (ReleaseToNotified(mutex, ref observed))
                {
                    return;
                }

                continue;
            }

            if ((observed & WakePending) == 0)
            {
                break;
            }

            // A woken waiter is on its way and will compete: just release. Only the holder sets the bit, and the
            // woken waiter clears it with a compare-and-swap on this word, so either we release first (it sees the
            // mutex free) or it clears first (we fail here, see the bit clear and wake the next waiter). Past the
            // starvation bound the release also closes the mutex to newcomers (RawMutex.Overdue.cs).
            var released = observed & ~Locked;
            if ((observed & NoBarge) == 0 && IsWakeOverdue(mutex))
            {
                released |= NoBarge;
            }

            var seen = Interlocked.CompareExchange(ref mutex->_state, released, observed);
            if (seen == observed)
            {
                return;
            }

            observed = seen;
        }

        if (Seam.ControlEnabled)
        {
            // Under a controller whether an unlock defers must depend on the schedule only, not on which worker
            // thread has a spare check left from earlier schedules: give this one its spare before the lock.
            ExitCheck.ProvideIfControlled();
        }

        mutex->_waitLock.Enter();
        AssertInvariantsLocked(mutex);
        var first = ListHead.First(&mutex->_waiters);

        // A notification may have parked a waiter in the slot while HasWaiters was briefly clear, before we took the
        // lock (RawMutex.CondVar.cs); serve it first. Past this check none can: the list is non-empty, so HasWaiters
        // stays set while we hold the lock, or (empty) the release below refuses to clear Locked under a slot.
        if (first is null ? !ReleaseEmptyLocked(mutex) : (Volatile.Read(ref mutex->_state) & NotifiedSlot) != 0)
        {
            mutex->_waitLock.Exit();
            UnlockSlow(mutex);
            return;
        }

        if (first is null)
        {
            mutex->_waitLock.Exit();
            return;
        }

        // SAFETY: Link is the first field of WaitNode, so the list entry is the node; it is linked, hence alive
        // (its owner cannot leave before it is unlinked under this lock).
        var node = (WaitNode*)first;

        // A blocking waiter that already lost one race gets the mutex directly (the kernel's MUTEX_FLAG_HANDOFF): it is
        // spinning or parked, so a handoff costs one unpark and bounds its wait. An async waiter gets it only past the
        // starvation bound: handing it over would hold the mutex idle across its completion's thread-pool hop.
        // EnqueuedAt 0: a notified async condition waiter that has not lost a race yet (see MorphedEnqueueTime).
        var enqueuedAt = node->EnqueuedAt;
        var handOff = (node->Flags & WaitNodeFlags.LostWakeup) != 0
            || (enqueuedAt != 0 && HandoffClock() - enqueuedAt >= Volatile.Read(ref s_starvationThresholdTicks));
        var deferrable = !handOff && (node->Flags & WaitNodeFlags.DeferWake) != 0;
        if (deferrable && ExitCheck.CanDefer(mutex, node, out var check, out var owner))
        {
            // A deferred wake (RawMutex.Deferral.cs): the head lost its last race to a barger. Only release — waking it
            // now would most likely lose again to this releaser re-taking the mutex — and leave the wake to this
            // thread's exit check, which runs after the current work item. WakePending is clear (checked above) and
            // only the holder sets it, so clearing Locked loses nothing.
            Interlocked.And(ref mutex->_state, ~Locked);
            mutex->_waitLock.Exit();
            check.AfterRelease(mutex, owner);
            return;
        }

        // HasWaiters, when the list is now empty, is cleared below in the same atomic step that releases (or, on a
        // handoff, on its own): one locked instruction fewer per wake than UnlinkLocked's separate And.
        var emptied = UnlinkKeepBitLocked(mutex, node);
        if (handOff)
        {
            node->State = WaitNodeState.Granted; // Locked stays set: the mutex now belongs to the waiter.
            if (emptied)
            {
                Interlocked.And(ref mutex->_state, ~HasWaiters);
            }
        }
        else
        {
            // Release and mark the wake pending in one step (Locked and WakePending are only written by the holder
            // and, for WakePending's clearing, by compare-and-swap: a plain read-modify-write would lose bits;
            // HasWaiters only under the wait lock, which we hold).
            node->State = WaitNodeState.Woken;
            var clear = emptied ? Locked | HasWaiters : Locked;
            // A notified condition waiter that leaves the list empty is woken without WakePending: there is nobody
            // else for a later unlock to wake meanwhile, and its notifier, which usually re-locks at once to wait
            // again (a ping-pong), then takes and releases a plain Locked word (one compare-and-swap each) instead of
            // failing a swap on the bit and going through this slow path to release. A locker that queues while it is
            // in flight may be woken too (two in flight, one loses and re-queues at the head): the price, only in that
            // window. Any other waiter keeps the one-woken-at-a-time rule.
            var pending = emptied && (node->Flags & WaitNodeFlags.Notified) != 0 ? 0 : WakePending;
            if (pending != 0)
            {
                StartWakeClock(mutex);
            }

            var state = Volatile.Read(ref mutex->_state);
            while (true)
            {
                var seen = Interlocked.CompareExchange(ref mutex->_state, (state & ~clear) | pending, state);
                if (seen == state)
                {
                    break;
                }

                state = seen;
            }
        }

        // Copy what the wake needs: once the lock is dropped, the node may be gone.
        var parker = node->Parker;
        var waiter = node->Waiter;
        mutex->_waitLock.Exit();

        try
        {
            if (deferrable)
            {
                ExitCheck.Provide(); // it could not defer for want of a check: allocate one now, outside the spin lock
            }

            if (handOff)
            {
                PinSyncMetrics.RecordHandoff(); // outside the spin lock: listeners run user code
            }

            Seam.Point(SchedulingPointKind.Wake, (nint)mutex, handOff ? "handoff" : "wake");
        }
        finally
        {
            // The node is settled: its wake goes out whatever the listener or the point threw.
            Wake(parker, waiter, fair: handOff);
        }
    }

    // The handoff clock's per-thread cache (production, Linux): the coarse millisecond count at the last precise read,
    // and that read.
    [ThreadStatic]
    private static long t_clockCoarse;

    [ThreadStatic]
    private static long t_clockTicks;

    // How many reads of the cache since the precise read (at most ClockReuses - 1 in a row): under saturation, with
    // many unlocks per millisecond, the cache then lags by a few unlocks, not by a whole millisecond.
    [ThreadStatic]
    private static int t_clockReuses;

    private const int ClockReuses = 8;

    // Experiment switch for interleaved A/B runs (PinSync.Bench --ab --variant precise-clock): false = every unlock
    // with waiters reads the precise clock, as before.
    internal static volatile bool s_coarseHandoffClock = true;

    /// <summary>
    /// "Now" for an unlock's handoff decision (the starvation bound), never ahead of the real time. The precise clock
    /// (<see cref="System.Diagnostics.Stopwatch"/>) costs 20–70 ns on this kind of machine, a large share of an unlock
    /// that re-takes at once (a lock held across an await: an A/B without the read ran 20–40 % faster). So in
    /// production on Linux, where <see cref="Environment.TickCount64"/> is a cheap coarse clock (milliseconds, but it
    /// moves in steps of the kernel's tick: 4 ms on a 250 Hz kernel, 1–10 ms in general), a thread re-reads the precise
    /// clock only when that count has moved on since its last read, or on every eighth call: the handoff then comes late
    /// by at most the lesser of one coarse step and seven unlocks on this thread, never early on its own account (an
    /// async waiter's arrival stamp comes from the same cache on its thread: see <see cref="EnqueueStamp"/>).
    /// Elsewhere (a coarser tick count) and under a controller (virtual time) every call reads the clock; real threads
    /// in a test process take the production path.
    /// </summary>
    internal static long HandoffClock()
    {
        if ((Seam.ControlEnabled && SchedulingController.Current is not null) || !OperatingSystem.IsLinux() || !s_coarseHandoffClock)
        {
            return Seam.NowTicks();
        }

        var coarse = Environment.TickCount64;
        if (coarse != t_clockCoarse || ++t_clockReuses >= ClockReuses)
        {
            t_clockCoarse = coarse;
            t_clockReuses = 0;
            t_clockTicks = Seam.ProductionNowTicks();
        }

        return t_clockTicks;
    }

    /// <summary>Wakes a blocking waiter's thread or queues an async waiter's completion (never inline). A
    /// <paramref name="fair"/> completion (a handoff: the waiter holds the mutex already, everyone waits for it) goes
    /// to the pool's global FIFO queue, not the releasing thread's local queue, whose owner pops newest-first and could
    /// run a long stretch of newer work items before it.</summary>
    internal static void Wake(int parker, nint waiter, bool fair = false)
    {
        if (waiter != 0)
        {
            Seam.QueueCompletion(AsyncWaiter.FromHandle(waiter), preferLocal: !fair);
        }
        else
        {
            Seam.Unpark(parker);
        }
    }

    /// <summary>
    /// Wakes a batch of waiters settled under a wait lock, with a scheduling point before each wake. The waiters are
    /// already unlinked and granted: if a point throws (a controller ending the schedule) or a wake does, the rest are
    /// still woken before the exception propagates.
    /// </summary>
    internal static void WakeEach(int* parkers, nint* waiters, int count, nint resource, string operation)
    {
        var next = 0;
        try
        {
            while (next < count)
            {
                Seam.Point(SchedulingPointKind.Wake, resource, operation);
                var i = next++;
                Wake(parkers[i], waiters[i]);
            }
        }
        finally
        {
            while (next < count)
            {
                var i = next++;
                Wake(parkers[i], waiters[i]);
            }
        }
    }

    /// <summary>
    /// Marks the mutex disposed and fails every queued waiter with <see cref="ObjectDisposedException"/>. Later
    /// acquisitions throw; a holder may still <see cref="Unlock"/>. Idempotent.
    /// </summary>
    /// <param name="mutex">The mutex.</param>
    /// <remarks><b>Safety:</b> the caller must pass a live mutex built by <see cref="Init"/>. Its memory may be freed
    /// only once no waiter can still reach it: after every queued waiter has returned, and after every async waiter's
    /// timeout and cancellation callbacks are gone (they complete on the thread pool shortly after this call).</remarks>
    public static void Dispose(RawMutex* mutex)
    {
        Seam.Point(SchedulingPointKind.Lifecycle, (nint)mutex, nameof(Dispose));
        Interlocked.Or(ref mutex->_state, Disposed);
        FailNotified(mutex);
        while (true)
        {
            mutex->_waitLock.Enter();
            var first = ListHead.First(&mutex->_waiters);
            if (first is null)
            {
                mutex->_waitLock.Exit();
                return;
            }

            // SAFETY: as in UnlockSlow, the first list entry is a live WaitNode.
            var node = (WaitNode*)first;
            UnlinkLocked(mutex, node);
            node->State = WaitNodeState.Disposed;
            var parker = node->Parker;
            var waiter = node->Waiter;
            mutex->_waitLock.Exit();
            Wake(parker, waiter);
        }
    }
}
