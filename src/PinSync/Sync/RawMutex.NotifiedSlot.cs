// The notified-waiter slot
// ========================
// Wait morphing moves a notified condition waiter onto the mutex it must re-take. When that mutex is held and nobody
// else waits for it — the usual case: the notifier holds it, as in every ping-pong or producer/consumer handoff — the
// list costs two wait-lock sections per handoff (link at notify, unlink at unlock). The slot replaces both: the
// notifier parks the waiter in _notified and sets NotifiedSlot in the same compare-and-swap that checks the mutex is
// held by someone and that nobody is queued or being woken (state == Locked); the holder's unlock sees the bit (its
// fast swap fails), releases and clears the bit in one compare-and-swap, and wakes the waiter to compete — without
// WakePending, as UnlockSlow wakes a notified waiter that empties the list.
//
// Ownership: the node in the slot belongs to whoever clears NotifiedSlot: the releasing holder (then it wakes it), a
// releasing holder that finds others queued or the mutex disposed (then it moves it to the head of the list, or fails
// it), or Dispose (fails it with Disposed). The clearer reads the slot and empties it; until it is empty a new claim
// fails (the claimer falls back to the list), so a slot is never overwritten.
//
// Why these rules keep the mutex's guarantees:
//   * No lost wakeup: the bit is set only while Locked is (the claim's compare-and-swap requires it), and every release
//     of a held mutex goes through UnlockSlow while the bit is set, which serves the slot before anything else.
//   * FIFO: a claim requires an empty list, so every waiter that queues later is behind the slot's waiter; when the
//     slot is served with waiters queued, its waiter is linked at the head.
//   * Only async waiters use it: a blocking waiter's wait scope (AcquireAfterNotify) expects its node on the list. An
//     async notified waiter can no longer be unlinked by its timeout or token (CondVarOps.TryUnlink sees the CondVar
//     flag clear), so nothing but the three clearers above ever reaches it.
//   * Under the explorer the claim, the release and the flush contain no scheduling point; the points around them
//     (Notify, Release, Wake) give the same interleavings as the list did.

using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>The notified-waiter slot: a condition waiter notified while the mutex is held, without the wait list.</summary>
public unsafe partial struct RawMutex
{
    // Experiment switch for interleaved A/B runs (PinSync.Bench --ab-pingpong --variant no-slot): whether notified
    // async waiters use the slot.
    internal static volatile bool s_notifiedSlot = true;

    // Tests only: the one mutex (by address) that runs a mutant of this protocol, which the systematic tests must catch;
    // 0 in production. Per mutex, so that tests running in parallel on other mutexes are not affected.
    internal static nint s_slotMutantFor;
    internal static SlotMutant s_slotMutant;

    /// <summary>Tests only: the mutants of the notified-waiter slot.</summary>
    internal enum SlotMutant
    {
        /// <summary>The real protocol.</summary>
        None,

        /// <summary>The release empties the slot without waking its waiter (a lost wakeup).</summary>
        ReleaseDropsWaiter,

        /// <summary>The slot's waiter goes to the tail of the list, behind waiters that queued after its notification.</summary>
        FlushAtTail,

        /// <summary>Dispose leaves the slot to the holder's unlock (a waiter the holder waits for never fails).</summary>
        DisposeSkipsSlot,
    }

    /// <summary>
    /// Parks the notified async <paramref name="node"/> in the slot if the mutex is held with nobody queued and no
    /// wake on its way. Called by a notifier that holds the condition variable's lock. Returns <see langword="false"/>
    /// when the slot is taken or the state changed: the caller links the node onto the list instead.
    /// </summary>
    private static bool TryParkNotified(RawMutex* mutex, WaitNode* node)
    {
        if (!s_notifiedSlot)
        {
            return false;
        }

        // SAFETY: the node is the notifier's (it holds the condition variable's lock and the node left that list);
        // these writes are published to the unlocker by the compare-and-swaps below.
        node->EnqueuedAt = MorphedEnqueueTime(node);
        node->State = WaitNodeState.Waiting;
        if (Interlocked.CompareExchange(ref mutex->_notified, (nint)node, 0) != 0)
        {
            return false; // another notification's waiter is still in it (or its clearer has not emptied it yet)
        }

        if (Interlocked.CompareExchange(ref mutex->_state, Locked | NotifiedSlot, Locked) == Locked)
        {
            return true;
        }

        Volatile.Write(ref mutex->_notified, 0); // never published: ours to empty
        return false;
    }

    /// <summary>
    /// UnlockSlow with <see cref="NotifiedSlot"/> in <paramref name="observed"/>: when it is the only bit besides
    /// Locked, releases, clears it and wakes the slot's waiter (returns <see langword="true"/>). Otherwise (others
    /// queued since the notification, or the mutex disposed) moves the waiter to the list's head or fails it, and
    /// returns <see langword="false"/> with <paramref name="observed"/> re-read: the caller's usual path goes on.
    /// </summary>
    private static bool ReleaseToNotified(RawMutex* mutex, ref int observed)
    {
        if (observed != (Locked | NotifiedSlot))
        {
            FlushNotified(mutex);
            observed = Volatile.Read(ref mutex->_state);
            return false;
        }

        var seen = Interlocked.CompareExchange(ref mutex->_state, 0, observed);
        if (seen != observed)
        {
            observed = seen;
            return false;
        }

        // SAFETY: we cleared the bit, so the node is ours: alive (its owner waits for this wake) and reachable by no one
        // else. Copy what the wake needs before publishing the state: once woken, the node may be recycled.
        var node = TakeNotified(mutex);
        if (IsMutant(mutex, SlotMutant.ReleaseDropsWaiter))
        {
            return true;
        }

        var parker = node->Parker;
        var waiter = node->Waiter;
        node->State = WaitNodeState.Woken;
        try
        {
            Seam.Point(SchedulingPointKind.Wake, (nint)mutex, "wake notified");
        }
        finally
        {
            // The node is settled: its wake goes out whatever the point threw.
            Wake(parker, waiter);
        }

        return true;
    }

    /// <summary>A release that found others queued (or the mutex disposed) with the slot full: under the wait lock,
    /// claims the slot's waiter and links it at the head of the list (it was notified before any of them queued), or
    /// fails it with Disposed. Nothing to do if Dispose claimed it first.</summary>
    private static void FlushNotified(RawMutex* mutex)
    {
        var failed = false;
        var parker = 0;
        nint waiter = 0;
        mutex->_waitLock.Enter();
        var state = Volatile.Read(ref mutex->_state);
        while ((state & NotifiedSlot) != 0)
        {
            // HasWaiters for the node we link now; it may only be written under the wait lock, which we hold.
            var disposed = (state & Disposed) != 0;
            var next = disposed ? state & ~NotifiedSlot : (state & ~NotifiedSlot) | HasWaiters;
            var seen = Interlocked.CompareExchange(ref mutex->_state, next, state);
            if (seen != state)
            {
                state = seen;
                continue;
            }

            // SAFETY: we cleared the bit, so the node is ours, as in ReleaseToNotified.
            var node = TakeNotified(mutex);
            if (disposed)
            {
                failed = true;
                parker = node->Parker;
                waiter = node->Waiter;
                node->State = WaitNodeState.Disposed;
            }
            else
            {
                LinkLocked(mutex, node, atHead: !IsMutant(mutex, SlotMutant.FlushAtTail));
            }

            break;
        }

        mutex->_waitLock.Exit();
        if (failed)
        {
            Wake(parker, waiter);
        }
    }

    /// <summary>UnlockSlow under the wait lock with the list empty: releases and clears HasWaiters, unless a
    /// notification parked a waiter in the slot since UnlockSlow looked (returns <see langword="false"/>: the caller
    /// drops the lock and serves it).</summary>
    private static bool ReleaseEmptyLocked(RawMutex* mutex)
    {
        var state = Volatile.Read(ref mutex->_state);
        while ((state & NotifiedSlot) == 0)
        {
            var seen = Interlocked.CompareExchange(ref mutex->_state, state & ~(Locked | HasWaiters), state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>Dispose: fails the slot's waiter with Disposed, unless an unlock claims it first.</summary>
    private static void FailNotified(RawMutex* mutex)
    {
        var state = Volatile.Read(ref mutex->_state);
        while ((state & NotifiedSlot) != 0 && !IsMutant(mutex, SlotMutant.DisposeSkipsSlot))
        {
            var seen = Interlocked.CompareExchange(ref mutex->_state, state & ~NotifiedSlot, state);
            if (seen != state)
            {
                state = seen;
                continue;
            }

            // SAFETY: we cleared the bit: the node is ours, as in ReleaseToNotified.
            var node = TakeNotified(mutex);
            var parker = node->Parker;
            var waiter = node->Waiter;
            node->State = WaitNodeState.Disposed;
            Wake(parker, waiter);
            return;
        }
    }

    /// <summary>The clearer of <see cref="NotifiedSlot"/> takes the node and empties the slot (a claim may follow).</summary>
    private static WaitNode* TakeNotified(RawMutex* mutex)
    {
        // SAFETY: the claimer wrote the pointer before its compare-and-swap set the bit, and our compare-and-swap that
        // cleared the bit came after: the read sees it.
        var node = (WaitNode*)Volatile.Read(ref mutex->_notified);
        Volatile.Write(ref mutex->_notified, 0);
        return node;
    }

    private static bool IsMutant(RawMutex* mutex, SlotMutant mutant) => s_slotMutantFor == (nint)mutex && s_slotMutant == mutant;

    /// <summary>Tests only: whether a notified waiter waits in the slot now (a snapshot).</summary>
    internal static bool HasNotifiedWaiter(RawMutex* mutex) => (Volatile.Read(ref mutex->_state) & NotifiedSlot) != 0;

    /// <summary>For the explorer's end-of-schedule check: a non-empty slot.</summary>
    private static bool HasNotified(RawMutex* mutex) =>
        (Volatile.Read(ref mutex->_state) & NotifiedSlot) != 0 || Volatile.Read(ref mutex->_notified) != 0;
}
