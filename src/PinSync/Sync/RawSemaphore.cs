// Implementation notes
// ====================
// RawSemaphore is a counting semaphore in one pinned unmanaged struct: a packed state word (available permits, the
// number of woken waiters on their way, and two flag bits), a wait-list lock and a circular list of waiter nodes: the
// same skeleton as RawMutex, with RawMutex's queue discipline (barging, bounded by a starvation handoff).
//
// Queue discipline and fairness (issue 13 item 6). Blocking and async waiters share one list, oldest first. A newcomer
// takes a free permit whenever there is one, even while others are queued (it barges: one compare-and-swap, no hop).
// A release with waiters queued puts its permits into the count and wakes as many heads as there are permits nobody
// is on the way for yet (count > Woken; for a binary semaphore that is the mutex's one-wake-pending rule), so a hot
// releaser that re-takes at once does not wake a waiter per acquisition. A woken waiter competes for the count with
// the bargers (taking a permit lowers the count and Woken in one compare-and-swap); one that loses goes back to the
// head of the list, keeping its enqueue time, under the wait lock, where it re-checks the count. The starvation
// bound: a release hands its permit directly (state Granted, it never enters the count) to a head that has waited
// longer than RawMutex.StarvationThreshold (1 ms by default), or to a blocking head that already lost one race it
// was woken for (LostWakeup, the kernel's MUTEX_FLAG_HANDOFF: it is spinning or parked, so a handoff costs one
// unpark). Async heads get only the time bound: handing every permit to an async waiter holds it idle across the
// completion's thread-pool hop while the blocking side queues behind it, which is exactly the convoy this replaced
// (strict FIFO with direct handoff: 12.75x SemaphoreSlim in the mixed blocking/async class).
//
// The invariant that no waiter sleeps while a permit is free: under the wait lock, a non-empty list implies
// Count <= Woken (every free permit has a woken waiter on its way), except while a releaser between two wake batches
// is still distributing (_drainers). Bargers and successful woken waiters only keep it (they lower the count, the
// latter Woken too); a release raises the count under the lock and wakes heads until it holds again; a woken waiter
// that re-queues lowers Woken only when the count is 0 (else it takes a permit); a woken waiter that gives up (timeout,
// cancellation, an exception) lowers Woken under the lock and wakes the next head if the invariant needs it.
// HasWaiters (set under the wait lock before a node is linked) keeps releases off their plain fast path while anyone
// may be queued, so every count increase that could owe a wake goes through the lock; a release skips the lock only
// when Count + n <= Woken on the word it swaps (it owes no wake: as RawMutex's unlock with a wake pending, it only
// releases, and reads no clock). Acquisitions need no lock.
//
// The starvation check follows RawMutex too: a head is considered for a handoff only when a release would otherwise
// wake it, or when it is a blocking head that lost once. While a woken waiter is hopping to the free permit, the
// releases in between only add to the count; the woken waiter either takes a permit or re-queues at the head keeping
// its enqueue time, and the next release that finds it there hands it the permit once it has waited past the bound.
//
// Batches. The wake information (parker id or async waiter handle) of woken or granted waiters is copied into a small
// stack buffer under the lock and used after dropping it. Release(n) adds all n permits to the count first (the
// maxCount check covers them at once, so Release stays atomic) and then wakes or grants waiters batch by batch,
// re-taking the lock between batches; _drainers records that a releaser is still distributing.
//
// Who completes waiters. Only whoever unlinks a node under the wait lock: a releaser (Granted or Woken), a woken
// waiter that gives up (Woken, for the next head), the waiter's own timeout or cancellation (TimedOut/Canceled), or
// Dispose (Disposed). A waiter whose timeout or cancellation fires in the same instant as a grant finds its node
// already unlinked with state Granted: it keeps the permit and reports success, so a permit is never lost and never
// doubled. A woken waiter whose timeout fires gives up and passes the wake on. Blocking waiters are unparked and async
// waiters queued to the thread pool (through the seam) after the wait lock is dropped; an async continuation never
// runs inline in Release or Dispose.
//
// Scheduling points: Acquire/Release/Enqueue/Wake/Cancel/Lifecycle are reported to the seam outside the wait lock;
// the wait-lock critical sections contain no scheduling point.

using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// A counting semaphore in one pinned, unmanaged struct: the kernel's <c>struct semaphore</c> with
/// <see cref="RawMutex"/>'s discipline, barging bounded by a starvation handoff. Blocking and async waiters queue in
/// one list of intrusive nodes (stack nodes for blocking waits, slab nodes for async waits). Build it in place with
/// <see cref="Init"/>; it must never move afterwards.
/// </summary>
/// <remarks>
/// <para>Embed it in your own <see cref="PinnedAttribute"/> struct, a <see cref="PinBox{T}"/> or a slab node, or use
/// the managed façade <see cref="PinnedSemaphore"/>. All operations take the semaphore by pointer, because its
/// address is its identity and its wait list points at it.</para>
/// <para>Fairness: queued waiters are woken in arrival order, but a newcomer (including
/// <see cref="TryWait(RawSemaphore*)"/>) may take a free permit ahead of them (barging keeps throughput up: no
/// convoy of handoffs across thread-pool hops). A woken waiter that loses to a newcomer goes back to the head of the
/// queue. No waiter loses for long: a release hands its permit directly to a head that has waited longer than
/// <see cref="RawMutex.StarvationThreshold"/> (1 ms by default), or to a blocking head that already lost once.</para>
/// <para>Thread safety: every member is thread-safe, except <see cref="Dispose(RawSemaphore*)"/>, after which every
/// other operation throws <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
[DebuggerDisplay("Count = {CurrentCount}, Max = {MaxCount}, Waiters = {WaiterCount}")]
public unsafe partial struct RawSemaphore
{
    // _state layout (64 bits):
    //   bit 0       HasWaiters  someone may be queued. Set and cleared only under _waitLock; set before a node is
    //                           linked and cleared when the list is empty. While set, a release takes the slow path
    //                           (the wait lock) unless Count + n <= Woken, so a count increase that may owe a wake is
    //                           always seen with the list.
    //   bit 1       Disposed    set once by Dispose: fast paths fail, slow paths throw ObjectDisposedException.
    //   bit 2       NoBarge     a pending wake is overdue (RawMutex.Overdue.cs): while Count <= Woken, the free
    //                           permits are the woken waiters' and newcomers queue. Set by a release that owes no
    //                           wake, cleared by any woken waiter that competes.
    //   bits 3-33   Count       available permits, 0..MaxCount (31 bits: MaxCount is at most int.MaxValue).
    //   bits 34-63  Woken       waiters a release woke that have not competed yet (taken a permit, re-queued or
    //                           given up). Raised only under _waitLock; lowered with the count by a woken waiter's
    //                           compare-and-swap, or under _waitLock. 30 bits: at most one per queued waiter.
    private const long HasWaiters = 0b001;
    private const long Disposed = 0b010;
    private const long NoBarge = 0b100;
    private const int CountShift = 3;
    private const long One = 1L << CountShift;
    private const long CountMask = (long)int.MaxValue << CountShift;
    private const int WokenShift = 34;
    private const long WokenOne = 1L << WokenShift;

    // How many backoff rounds a blocking wait spins before it parks.
    private const int SpinLimit = 4;

    // How many waiters a release wakes or grants per wait-lock critical section (the stack buffer's size).
    private const int WakeBatch = 16;

    // The discipline before issue 13 item 6 (strict FIFO, direct handoff to every head, no barging), for the
    // benchmark's interleaved A/B only (--ab-semaphore). Read on contended paths only.
    internal static volatile bool s_strictFifo;

    // Mutant switches for the explorer tests (the address of one semaphore, 0 = none): a release that wakes nobody
    // while any woken waiter is on its way (the mutex's one-bit WakePending rule, which a counting semaphore cannot
    // use), and a woken waiter that gives up without passing the wake on. Both let a waiter sleep while a permit is
    // free.
    internal static nint s_mutantOneWakePendingFor;
    internal static nint s_mutantNoPassOnFor;

    private long _state;

    // The largest count; fixed at initialization.
    private int _maxCount;

    private RawSpinLock _waitLock;

    // Waiters linked in _waiters. May only be accessed while _waitLock is held.
    private int _waiterCount;

    // Releasers that dropped the wait lock between two batches with waiters still to wake or grant (the only time
    // the list may be non-empty while Count > Woken). May only be accessed while _waitLock is held.
    private int _drainers;

    // Head of the circular list of WaitNode.Link, oldest first. May only be accessed while _waitLock is held.
    private ListHead _waiters;

    // How long the oldest pending wake has been on its way (RawMutex.Overdue.cs; started when Woken leaves 0).
    private WakeClock _wakeClock;

    /// <summary>The number of permits available now (a snapshot).</summary>
    public readonly int CurrentCount => CountOf(Volatile.Read(in _state));

    /// <summary>The largest number of permits the semaphore can hold.</summary>
    public readonly int MaxCount => _maxCount;

    /// <summary>How many waiters are queued (a snapshot, for diagnostics).</summary>
    public readonly int WaiterCount => Volatile.Read(in _waiterCount);

    /// <summary>An in-place initializer: a semaphore with <paramref name="initialCount"/> permits available, at most
    /// <paramref name="maxCount"/>, and an empty wait list.</summary>
    /// <param name="initialCount">The permits available at first: 0 to <paramref name="maxCount"/>.</param>
    /// <param name="maxCount">The largest count: positive.</param>
    /// <returns>The initializer. It fails, with a <see cref="RawSemaphoreInitError"/> and nothing to clean up, when
    /// the counts are out of range (it validates when it runs, not here).</returns>
    public static InitRawSemaphore Init(int initialCount, int maxCount) => new(initialCount, maxCount);

    /// <summary>Takes a permit if one is available, without waiting (also ahead of queued waiters).</summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <returns><see langword="true"/> when the caller now holds a permit.</returns>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a semaphore built by <see cref="Init"/> that stays at its
    /// address.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryWait(RawSemaphore* semaphore)
    {
        Seam.Point(SchedulingPointKind.Acquire, (nint)semaphore, nameof(TryWait));
        return TryTakeFast(semaphore) || TryWaitSlow(semaphore);
    }

    /// <summary>The fast path: takes a permit with one compare-and-swap when one is available and the semaphore is
    /// not disposed (retrying only while other takers change the word). Barges past queued waiters by design.</summary>
    /// <remarks>The first compare-and-swap guesses the state of an uncontended binary semaphore (one permit, nobody
    /// queued) instead of reading the word first: a load followed by a locked instruction on the same line costs
    /// ~5 ns more here (see <see cref="RawMutex"/>'s TryLockFast). A wrong guess returns the real state, which the
    /// loop then uses.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryTakeFast(RawSemaphore* semaphore)
    {
        // SAFETY: callers pass a live, pinned semaphore.
        var state = Interlocked.CompareExchange(ref semaphore->_state, 0, One);
        return state == One || TryTakeFrom(semaphore, state);
    }

    /// <summary>Read first, then swap: for spin loops, which must not hammer the line with locked instructions.</summary>
    internal static bool TryTakeIfAvailable(RawSemaphore* semaphore) =>
        TryTakeFrom(semaphore, Volatile.Read(ref semaphore->_state));

    /// <summary>Takes a permit starting from the observed <paramref name="state"/>, retrying while permits remain.</summary>
    private static bool TryTakeFrom(RawSemaphore* semaphore, long state)
    {
        var blocked = s_strictFifo ? HasWaiters | Disposed : Disposed;
        while ((state & blocked) == 0 && (state & CountMask) != 0 && !Reserved(state))
        {
            var seen = Interlocked.CompareExchange(ref semaphore->_state, state - One, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    private static int CountOf(long state) => (int)((state & CountMask) >> CountShift);

    /// <summary>Whether the free permits belong to the woken waiters on their way (an overdue wake): a newcomer queues.</summary>
    private static bool Reserved(long state) => (state & NoBarge) != 0 && CountOf(state) <= WokenOf(state);

    private static int WokenOf(long state) => (int)(state >>> WokenShift);

    /// <summary>Builds a semaphore at <paramref name="slot"/> from validated counts (see <see cref="InitRawSemaphore"/>).</summary>
    internal static void InitInPlace(RawSemaphore* slot, int initialCount, int maxCount)
    {
        Debug.Assert(maxCount > 0 && (uint)initialCount <= (uint)maxCount, "Counts are validated by the initializer.");

        // SAFETY: the slot is at the semaphore's final address (IPinInit contract), so the self-pointing head stays
        // valid.
        slot->_state = (long)initialCount << CountShift;
        slot->_maxCount = maxCount;
        slot->_waitLock = default;
        slot->_waiterCount = 0;
        slot->_drainers = 0;
        ListHead.Init(&slot->_waiters);
        slot->_wakeClock = default;
    }

    /// <summary>Whether the semaphore was disposed.</summary>
    internal static bool IsDisposed(RawSemaphore* semaphore) => (Volatile.Read(ref semaphore->_state) & Disposed) != 0;

    /// <summary>Never waits: the fast path found no permit (or a disposed semaphore, which throws).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryWaitSlow(RawSemaphore* semaphore)
    {
        if (IsDisposed(semaphore))
        {
            ThrowDisposed();
        }

        if (!s_strictFifo)
        {
            return false; // barging: the fast path takes any free permit, so there was none
        }

        semaphore->_waitLock.Enter();
        var taken = TryTakeLocked(semaphore);
        ClearWaitersBitIfEmptyLocked(semaphore);
        semaphore->_waitLock.Exit();
        return taken;
    }

    [Conditional("DEBUG")]
    private static void AssertInvariantsLocked(RawSemaphore* semaphore)
    {
        Debug.Assert(semaphore->_waitLock.IsHeld, "The wait lock must be held.");
        var empty = ListHead.IsEmpty(&semaphore->_waiters);
        var state = Volatile.Read(ref semaphore->_state);
        var count = CountOf(state);
        Debug.Assert(empty == (semaphore->_waiterCount == 0), "Waiter count out of step with the list.");
        Debug.Assert(empty || (state & HasWaiters) != 0, "A non-empty list must set HasWaiters.");
        Debug.Assert(count >= 0 && count <= semaphore->_maxCount, "The count must stay within 0..MaxCount.");
        var mutant = s_mutantOneWakePendingFor == (nint)semaphore || s_mutantNoPassOnFor == (nint)semaphore;
        Debug.Assert(empty || count <= WokenOf(state) || semaphore->_drainers > 0 || (state & Disposed) != 0 || mutant,
            "Free permits beyond the woken waiters while waiters are queued: only while a releaser is still waking them.");
        Debug.Assert(semaphore->_drainers >= 0, "Drainer count underflow.");
    }

    /// <summary>
    /// Under the wait lock: sets <see cref="HasWaiters"/> (sending releases to the slow path) and takes a permit if
    /// one is available (a newcomer barges). A caller that does not link a node afterwards calls
    /// <see cref="ClearWaitersBitIfEmptyLocked"/>.
    /// </summary>
    private static bool TryTakeLocked(RawSemaphore* semaphore)
    {
        AssertInvariantsLocked(semaphore);

        // Callers have checked Disposed under this lock; Dispose may set it concurrently (without the lock), which
        // only means this last permit is taken just before the dispose.
        var state = Interlocked.Or(ref semaphore->_state, HasWaiters) | HasWaiters;
        if (s_strictFifo && semaphore->_waiterCount != 0)
        {
            return false;
        }

        // Bargers and woken waiters take permits without the lock: a compare-and-swap loop, never a blind add. A
        // newcomer leaves the permits of an overdue wake to its woken waiters.
        while ((state & CountMask) != 0 && !Reserved(state))
        {
            var seen = Interlocked.CompareExchange(ref semaphore->_state, state - One, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>Under the wait lock: clears <see cref="HasWaiters"/> when nobody is queued.</summary>
    private static void ClearWaitersBitIfEmptyLocked(RawSemaphore* semaphore)
    {
        if (semaphore->_waiterCount == 0)
        {
            Interlocked.And(ref semaphore->_state, ~HasWaiters);
        }
    }

    /// <summary>Under the wait lock, after <see cref="TryTakeLocked"/> or <see cref="SettleWokenLocked"/> found no
    /// permit: links <paramref name="node"/> at the tail, or at the head for a woken waiter that lost its race (it keeps
    /// its place and its enqueue time).</summary>
    private static void LinkLocked(RawSemaphore* semaphore, WaitNode* node, bool atHead = false)
    {
        AssertInvariantsLocked(semaphore);
        Debug.Assert((semaphore->_state & HasWaiters) != 0, "HasWaiters is set before a node is linked.");

        // SAFETY: the node is detached and owned by its waiter, which keeps it alive until it sees it unlinked under
        // this lock.
        node->State = WaitNodeState.Waiting;
        node->Queue = (nint)(&semaphore->_waitLock);
        WaitListCheck.BeforeLink(&semaphore->_waitLock, &semaphore->_waiters, "RawSemaphore", semaphore);
        if (atHead)
        {
            ListHead.AddHead(&semaphore->_waiters, &node->Link);
        }
        else
        {
            ListHead.AddTail(&semaphore->_waiters, &node->Link);
        }

        semaphore->_waiterCount++;
    }

    /// <summary>Under the wait lock: unlinks <paramref name="node"/> if linked, keeping the count and bit in step.
    /// Returns whether it was linked (the caller then owns its completion).</summary>
    private static bool UnlinkLocked(RawSemaphore* semaphore, WaitNode* node)
    {
        AssertInvariantsLocked(semaphore);

        // SAFETY: the node is alive (its owner leaves only after seeing it unlinked under this lock); removing a
        // detached node is a no-op that returns false.
        WaitListCheck.BeforeUnlink(&semaphore->_waitLock, &node->Link, "RawSemaphore", semaphore);
        if (!ListHead.Remove(&node->Link))
        {
            return false;
        }

        if (--semaphore->_waiterCount == 0)
        {
            Interlocked.And(ref semaphore->_state, ~HasWaiters);
        }

        return true;
    }

    [DoesNotReturn]
    private static void ThrowDisposed() => ThrowHelper.ThrowObjectDisposedException_Named(SR.SemaphoreName);
}
