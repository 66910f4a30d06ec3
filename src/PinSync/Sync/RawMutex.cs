// Implementation notes
// ====================
// RawMutex is the kernel's mutex carried over to .NET: a state word, a wait-list lock and a circular list of waiter
// nodes, all in one pinned unmanaged struct.
//
// Queue discipline. Blocking and async waiters share one FIFO list. Unlock dequeues the first waiter and either
//   * wakes it to compete (clears Locked, state Woken): newcomers may barge in meanwhile, which keeps throughput up
//     (no lock convoy: the lock is usable while the woken waiter is still being scheduled); a woken waiter that loses
//     goes back to the head of the list with its original enqueue time. Only one woken waiter is on its way at a
//     time (WakePending, as CoreLib's Lock does): while it is, an unlock only releases, so a hot releaser that
//     re-takes the lock at once does not wake (and re-queue) a waiter per acquisition. The woken waiter clears the
//     bit when it competes (taking the lock, re-queuing or giving up), so the next unlock wakes again — unless the
//     waiter that re-queued is async: then unlocks defer its wake to the releasing thread's exit check, a work item
//     that runs once the releaser's current work item ends and wakes the head only if the mutex is still free
//     (RawMutex.Deferral.cs; a releaser that re-takes the mutex at once wakes nobody for nothing). (And a notified
//     condition waiter whose wake empties the list is woken without WakePending; see UnlockSlow. An async condition
//     waiter notified while the mutex is held with nobody queued waits in the notified-waiter slot instead of the
//     list, as its head: see RawMutex.NotifiedSlot.cs.) Or
//   * hands the lock over directly (keeps Locked, state Granted) when that waiter is a blocking one that already lost
//     a race it was woken for (LostWakeup: the kernel's MUTEX_FLAG_HANDOFF; it is spinning or parked, so the handoff
//     costs one unpark), or once it has waited longer than StarvationThreshold (1 ms by default). Async waiters get
//     only the time bound: handing the lock to one holds it idle across its completion's thread-pool hop (measured:
//     a convoy, 1.1-1.7x slower). This bounds starvation: a waiter can lose to bargers for about that
//     long, no longer. The trade-off is the one CoreLib's Lock makes: pure handoff would serialize every
//     acquisition behind a context switch; pure barging lets a hot thread starve a sleeper indefinitely.
//
// Who completes waiters. Only whoever unlinks a node under the wait lock: an unlocker or an exit check (Granted/Woken),
// the waiter's own timeout or cancellation (TimedOut/Canceled), or Dispose (Disposed). Wakers copy the parker id or waiter handle
// under the lock and unpark/queue after dropping it; async completions always run on the thread pool (or as an
// explorer operation), never inline in Unlock.
//
// A woken waiter that gives up (timeout, cancellation) passes the wakeup on (TryLock then Unlock), so no waiter
// sleeps while the mutex is free — beyond the end of the releaser's current work item, for a deferred wake. A waiter granted the lock in the same instant as its timeout keeps it and reports
// success: the grant happened first under the wait lock.
//
// Scheduling points: Acquire/Release/Enqueue/Wait/Wake are reported to the seam outside the wait lock; the wait-lock
// critical sections contain no scheduling point, so under the explorer the spin lock is never contended.

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// A mutual-exclusion lock in one pinned, unmanaged struct: the kernel's <c>struct mutex</c>. Blocking and async
/// waiters queue in one FIFO list of intrusive nodes (stack nodes for blocking waits, slab nodes for async waits).
/// Build it in place with <see cref="Init"/>; it must never move afterwards.
/// </summary>
/// <remarks>
/// <para>Embed it in your own <see cref="PinnedAttribute"/> struct, a <see cref="PinBox{T}"/> or a slab node, or use
/// the managed façade <see cref="PinnedMutex{T}"/>. All members take the mutex by pointer, because its address is
/// its identity and its wait list points at it.</para>
/// <para>Thread safety: every member is thread-safe. Not recursive: a thread that blocks on a mutex it holds gets
/// <see cref="LockRecursionException"/>.</para>
/// </remarks>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
[DebuggerDisplay("Locked = {IsLocked}, Waiters = {WaiterCount}")]
public unsafe partial struct RawMutex
{
    // _state layout:
    //   bit 0    Locked      held (also while handed over to a granted waiter that has not run yet)
    //   bit 1    HasWaiters  the wait list is non-empty; set and cleared only under _waitLock
    //   bit 2    Disposed    the owner was disposed: fast paths fail, slow paths throw ObjectDisposedException
    //   bit 3    WakePending an unlock woke a waiter that has not competed yet: further unlocks wake nobody
    //   bit 4    NotifiedSlot an async condition waiter notified while the mutex was held waits in _notified, not on
    //                        the list (only with Locked; see RawMutex.CondVar.cs)
    //   bit 5    NoBarge     the pending wake is overdue (RawMutex.Overdue.cs): newcomers queue instead of taking a
    //                        free mutex, until the woken waiter competes (only with WakePending)
    //   bits 6-31            unused, zero
    private const int Locked = 0b0001;
    private const int HasWaiters = 0b0010;
    private const int Disposed = 0b0100;
    private const int WakePending = 0b1000;
    private const int NotifiedSlot = 0b1_0000;
    private const int NoBarge = 0b10_0000;

    // What keeps a newcomer from taking the mutex; a woken waiter ignores NoBarge.
    private const int Unavailable = Locked | Disposed | NoBarge;

    // How many backoff rounds a blocking acquire spins before it parks (8, 16, 32, 64 processor pauses).
    private const int SpinLimit = 4;

    private static long s_starvationThresholdTicks = TimeSpan.TicksPerMillisecond;

    private int _state;

    // The managed thread id of a blocking holder, 0 when free or held by an async acquirer. Written by the holder
    // only; read racily by would-be lockers to report recursion instead of deadlocking.
    private int _ownerThreadId;

    private RawSpinLock _waitLock;

    // Waiters linked in _waiters. May only be accessed while _waitLock is held.
    private int _waiterCount;

    // Head of the circular list of WaitNode.Link. May only be accessed while _waitLock is held.
    private ListHead _waiters;

    // The notified-waiter slot (RawMutex.CondVar.cs): a WaitNode*, or 0. Claimed by compare-and-swap from 0; the node
    // in it belongs to whoever clears NotifiedSlot (an unlock, or Dispose), which then empties it.
    private nint _notified;

    // How long the pending wake has been on its way (RawMutex.Overdue.cs).
    private WakeClock _wakeClock;

    /// <summary>
    /// How long a waiter may lose to barging newcomers before an unlock hands the mutex to it directly. Default 1 ms.
    /// Applies to every <see cref="RawMutex"/> and <see cref="PinnedMutex{T}"/> in the process, and in the same way to
    /// every <see cref="RawSemaphore"/> and <see cref="PinnedSemaphore"/> (a release hands its permit to such a waiter). It bounds async
    /// waiters (counted from when they queued; for a notified condition waiter, from its first lost race); a blocking
    /// waiter is handed the mutex already after losing one race. The first unlock after the threshold passed hands over;
    /// on Linux an unlock reads a per-thread cache of the clock, refreshed when <see cref="Environment.TickCount64"/>
    /// moves on or every eighth read, so that unlock may come up to one step of that coarse clock after the threshold
    /// (its step is the kernel's tick: 4 ms on a 250 Hz kernel, 1–10 ms in general). An async waiter's arrival is
    /// stamped from the same cache on its own thread, so its handoff may come before the threshold by that cache's lag
    /// there (at most seven reads or one tick), never later.
    /// <para>What it bounds is the time a waiter loses to barging newcomers, not its whole wait: a waiter also waits
    /// for a CPU (its own thread, or a pool thread for its completion), which the OS — or a virtual machine's host —
    /// hands out. Measured under saturation on a 2-core VM (<c>docs/benchmarks.md</c>, latency mode): async waits
    /// p99.9 about 1.05 ms; maxima 1.5–15 ms (the threshold plus one scheduling delay), where <see cref="Lock"/> and
    /// <see cref="SemaphoreSlim"/> reached 3–74 ms in the same runs.</para>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public static TimeSpan StarvationThreshold
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref s_starvationThresholdTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Volatile.Write(ref s_starvationThresholdTicks, value.Ticks);
        }
    }

    /// <summary><see cref="StarvationThreshold"/> in seam ticks (the semaphore applies the same bound).</summary>
    internal static long StarvationThresholdTicks => Volatile.Read(ref s_starvationThresholdTicks);

    /// <summary>Whether the mutex is held (a snapshot).</summary>
    public readonly bool IsLocked => (Volatile.Read(in _state) & Locked) != 0;

    /// <summary>How many waiters are queued, a notified condition waiter that waits for the holder's unlock included
    /// (a snapshot, for diagnostics).</summary>
    public readonly int WaiterCount =>
        Volatile.Read(in _waiterCount) + ((Volatile.Read(in _state) & NotifiedSlot) != 0 ? 1 : 0);

    /// <summary>An in-place initializer: an unlocked mutex whose wait list is an empty circular list.</summary>
    /// <returns>The initializer; it cannot fail.</returns>
    public static InitRawMutex Init() => default;

    /// <summary>Takes the mutex if it is free, without waiting.</summary>
    /// <param name="mutex">The mutex.</param>
    /// <returns><see langword="true"/> when the caller now holds it.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a mutex built by <see cref="Init"/> that stays at its address.
    /// It may return <see langword="false"/> on a free mutex while an overdue wake refuses newcomers (see
    /// <see cref="PinnedMutex{T}.TryLock(out MutexGuard{T})"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryLock(RawMutex* mutex)
    {
        Seam.Point(SchedulingPointKind.Acquire, (nint)mutex, nameof(TryLock));
        if (TryLockFast(mutex))
        {
            // SAFETY: the caller guarantees a live, pinned mutex; we hold it now, and only the holder writes the owner.
            mutex->_ownerThreadId = CurrentThread.Id;
            return true;
        }

        return false;
    }

    /// <summary>Releases the mutex.</summary>
    /// <param name="mutex">The mutex.</param>
    /// <exception cref="SynchronizationLockException">The mutex is not held.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a live mutex built by <see cref="Init"/> and should be its holder
    /// (a raw mutex does not know who holds it; <see cref="PinnedMutex{T}"/> guards check that).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unlock(RawMutex* mutex)
    {
        Seam.Point(SchedulingPointKind.Release, (nint)mutex, nameof(Unlock));

        // SAFETY: the caller guarantees a live, pinned mutex. The owner is cleared before the release (a new holder
        // writes its own id after acquiring). No read of the state before the swap (see TryLockFast): an unlock of a
        // free mutex fails the swap and throws in UnlockSlow; the owner field it cleared was already 0, unless another
        // thread is acquiring at that instant — a race a raw mutex, which does not know its holder, cannot exclude
        // anyway (the same misuse could as well release that thread's lock). PinnedMutex guards rule it out.
        mutex->_ownerThreadId = 0;
        if (Interlocked.CompareExchange(ref mutex->_state, 0, Locked) != Locked)
        {
            UnlockSlow(mutex);
        }
    }

    /// <summary>
    /// Free and not disposed → locked. Barges past queued waiters by design. Uncontended, one blind compare-and-swap
    /// from 0: reading the word first and then swapping the same line costs ~5 ns more per operation on the machines
    /// we measured (a load followed by a locked instruction to the same address), a fifth of an uncontended lock and
    /// unlock.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryLockFast(RawMutex* mutex)
    {
        // SAFETY: callers pass a live, pinned mutex.
        var state = Interlocked.CompareExchange(ref mutex->_state, Locked, 0);
        return state == 0 || ((state & Unavailable) == 0 && TryLockFrom(mutex, state));
    }

    /// <summary>Test, then test-and-set: for spin loops, which must not hammer a held mutex's line with locked
    /// instructions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryLockIfFree(RawMutex* mutex)
    {
        // SAFETY: callers pass a live, pinned mutex.
        var state = Volatile.Read(ref mutex->_state);
        return (state & Unavailable) == 0 && TryLockFrom(mutex, state);
    }

    /// <summary>Takes a mutex seen free with other bits set (waiters queued, a wake pending), retrying while it stays
    /// free and open to newcomers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryLockFrom(RawMutex* mutex, int state)
    {
        while ((state & Unavailable) == 0)
        {
            var seen = Interlocked.CompareExchange(ref mutex->_state, state | Locked, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>A woken waiter competes: takes the mutex if it is free (<see cref="NoBarge"/> or not), and clears
    /// <see cref="WakePending"/> and <see cref="NoBarge"/> whether or not it got it (a woken waiter that lost
    /// re-queues under the wait lock, which clears them too).</summary>
    private static bool TryLockWoken(RawMutex* mutex)
    {
        // SAFETY: callers pass a live, pinned mutex.
        var state = Volatile.Read(ref mutex->_state);
        while ((state & (Locked | Disposed)) == 0)
        {
            var seen = Interlocked.CompareExchange(ref mutex->_state, (state | Locked) & ~(WakePending | NoBarge), state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>Builds an unlocked mutex at <paramref name="slot"/> (see <see cref="InitRawMutex"/>).</summary>
    internal static void InitInPlace(RawMutex* slot)
    {
        // SAFETY: the slot is at the mutex's final address (IPinInit contract), so the self-pointing head stays valid.
        slot->_state = 0;
        slot->_ownerThreadId = 0;
        slot->_waitLock = default;
        slot->_waiterCount = 0;
        ListHead.Init(&slot->_waiters);
        slot->_notified = 0;
        slot->_wakeClock = default;
    }

    /// <summary>Whether the mutex was disposed.</summary>
    internal static bool IsDisposed(RawMutex* mutex) => (Volatile.Read(ref mutex->_state) & Disposed) != 0;

    /// <summary>The managed thread id of a blocking holder, 0 if none.</summary>
    internal static int OwnerThreadId(RawMutex* mutex) => Volatile.Read(ref mutex->_ownerThreadId);

    [Conditional("DEBUG")]
    private static void AssertInvariantsLocked(RawMutex* mutex)
    {
        Debug.Assert(mutex->_waitLock.IsHeld, "The wait lock must be held.");
        var empty = ListHead.IsEmpty(&mutex->_waiters);
        Debug.Assert(empty == (mutex->_waiterCount == 0), "Waiter count out of step with the list.");
        Debug.Assert(empty || (mutex->_state & HasWaiters) != 0, "A non-empty list must set HasWaiters.");
    }

    /// <summary>Under the wait lock: clears <see cref="HasWaiters"/> when nobody is queued.</summary>
    private static void ClearWaitersBitIfEmptyLocked(RawMutex* mutex)
    {
        if (mutex->_waiterCount == 0)
        {
            Interlocked.And(ref mutex->_state, ~HasWaiters);
        }
    }

    /// <summary>Under the wait lock: links <paramref name="node"/> (at the head when it is re-queued after losing a
    /// race it was woken for).</summary>
    private static void LinkLocked(RawMutex* mutex, WaitNode* node, bool atHead)
    {
        AssertInvariantsLocked(mutex);
        WaitListCheck.BeforeLink(&mutex->_waitLock, &mutex->_waiters, "RawMutex", mutex);
        node->State = WaitNodeState.Waiting;
        node->Queue = (nint)(&mutex->_waitLock);
        if (atHead)
        {
            ListHead.AddHead(&mutex->_waiters, &node->Link);
        }
        else
        {
            ListHead.AddTail(&mutex->_waiters, &node->Link);
        }

        mutex->_waiterCount++;
    }

    /// <summary>Under the wait lock: unlinks <paramref name="node"/> if linked, keeping the count and bit in step.</summary>
    private static bool UnlinkLocked(RawMutex* mutex, WaitNode* node)
    {
        AssertInvariantsLocked(mutex);
        WaitListCheck.BeforeUnlink(&mutex->_waitLock, &node->Link, "RawMutex", mutex);
        if (!ListHead.Remove(&node->Link))
        {
            return false;
        }

        if (--mutex->_waiterCount == 0)
        {
            Interlocked.And(ref mutex->_state, ~HasWaiters);
        }

        return true;
    }

    /// <summary>Under the wait lock: unlinks the linked <paramref name="node"/> and keeps the count in step, but leaves
    /// <see cref="HasWaiters"/> to the caller, who clears it (returned <see langword="true"/>: the list is empty now)
    /// before it drops the lock.</summary>
    private static bool UnlinkKeepBitLocked(RawMutex* mutex, WaitNode* node)
    {
        AssertInvariantsLocked(mutex);
        WaitListCheck.BeforeUnlink(&mutex->_waitLock, &node->Link, "RawMutex", mutex);
        var unlinked = ListHead.Remove(&node->Link);
        Debug.Assert(unlinked, "The node is linked.");
        return --mutex->_waiterCount == 0;
    }

    /// <summary>
    /// Under the wait lock, after setting <see cref="HasWaiters"/>: takes the mutex if it is free (the unlocker
    /// either released before the bit was set, and we see it free here, or sees the bit and wakes a waiter). A
    /// <paramref name="woken"/> waiter also clears <see cref="WakePending"/> (and <see cref="NoBarge"/>, which it
    /// ignores) in the same compare-and-swap: an unlock either came before (we see the mutex free) or comes after and,
    /// seeing the bit clear, wakes the node we link. A newcomer does not take a free mutex under NoBarge: it queues.
    /// </summary>
    private static bool TryLockLocked(RawMutex* mutex, bool woken = false)
    {
        var clear = woken ? WakePending | NoBarge : 0;
        var state = Interlocked.Or(ref mutex->_state, HasWaiters) | HasWaiters;
        while (true)
        {
            var free = (state & (woken ? Locked | Disposed : Unavailable)) == 0;
            if (!free && (state & clear) == 0)
            {
                break;
            }

            var next = free ? (state | Locked) & ~clear : state & ~clear;
            var seen = Interlocked.CompareExchange(ref mutex->_state, next, state);
            if (seen != state)
            {
                state = seen;
                continue;
            }

            if (!free)
            {
                break;
            }

            if (mutex->_waiterCount == 0)
            {
                Interlocked.And(ref mutex->_state, ~HasWaiters);
            }

            return true;
        }

        // Not taken: HasWaiters stays set for the node the caller links now; a caller that bails out instead calls
        // ClearWaitersBitIfEmptyLocked.
        return false;
    }
}
