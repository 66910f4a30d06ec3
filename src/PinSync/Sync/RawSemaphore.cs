// Implementation notes
// ====================
// RawSemaphore is a counting semaphore in one pinned unmanaged struct: a packed state word (available permits plus
// two flag bits), a wait-list lock and a circular list of waiter nodes — the same skeleton as RawMutex, with the
// queue discipline of the kernel's semaphore and tokio's batch_semaphore: strictly FIFO, no barging.
//
// Queue discipline and fairness. Blocking and async waiters share one FIFO list. A release that finds waiters
// queued hands its permits to them in order, under the wait lock (direct handoff: the permit never becomes visible
// in the count, the waiter owns it from that instant); only the permits left over once the list is empty go to the
// count. Newcomers never overtake queued waiters: the HasWaiters bit is set under the wait lock before anyone links
// a node, and every fast path (one compare-and-swap to take a permit, one to release) requires that bit clear, so
// while anyone may be queued every acquisition and release goes through the wait lock, where "take a permit" is
// only allowed when the list is empty. Unlike RawMutex there is no barging window and no starvation bound to tune:
// a semaphore's permits are interchangeable, so handing them over costs a release no more than adding them to the
// count, and the waker-to-waiter context switch is one the waiter pays anyway.
//
// Batches. The wake information (parker id or async waiter handle) of granted waiters is copied into a small stack
// buffer under the lock and used after dropping it. Release(n) that grants more than one buffer's worth adds all n
// permits to the count first (the maxCount check covers them at once, so Release stays atomic) and then moves them
// to waiters batch by batch, re-taking the lock between batches. Between two batches the list may be non-empty
// while the count is positive; _drainers records that a releaser is still distributing, newcomers link behind the
// queued waiters (never take those permits), and the releaser serves them in order in its next batch.
//
// Who completes waiters. Only whoever unlinks a node under the wait lock: a releaser (Granted), the waiter's own
// timeout or cancellation (TimedOut/Canceled), or Dispose (Disposed). A waiter whose timeout or cancellation fires in
// the same instant as a grant finds its node already unlinked with state Granted: it keeps the permit and reports
// success, so a permit is never lost and never doubled. Blocking waiters are unparked and async waiters queued to
// the thread pool (through the seam) after the wait lock is dropped; an async continuation never runs inline in
// Release or Dispose.
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
/// A counting semaphore in one pinned, unmanaged struct: the kernel's <c>struct semaphore</c> with strictly FIFO
/// permit handoff. Blocking and async waiters queue in one list of intrusive nodes (stack nodes for blocking waits,
/// slab nodes for async waits). Build it in place with <see cref="Init"/>; it must never move afterwards.
/// </summary>
/// <remarks>
/// <para>Embed it in your own <see cref="PinnedAttribute"/> struct, a <see cref="PinBox{T}"/> or a slab node, or use
/// the managed façade <see cref="PinnedSemaphore"/>. All operations take the semaphore by pointer, because its
/// address is its identity and its wait list points at it.</para>
/// <para>Fairness: waiters are served strictly in arrival order; while anyone is queued, a newcomer (including
/// <see cref="TryWait(RawSemaphore*)"/>) cannot take a permit ahead of them.</para>
/// <para>Thread safety: every member is thread-safe, except <see cref="Dispose(RawSemaphore*)"/>, after which every
/// other operation throws <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
[DebuggerDisplay("Count = {CurrentCount}, Max = {MaxCount}, Waiters = {WaiterCount}")]
public unsafe partial struct RawSemaphore
{
    // _state layout (64 bits, so that any maxCount up to int.MaxValue fits beside the flags):
    //   bit 0       HasWaiters  someone may be queued. Set and cleared only under _waitLock; set before a node is
    //                           linked and cleared when the list is empty. While set, both fast paths fail, so the
    //                           count changes only under the wait lock (this is what keeps newcomers from barging).
    //   bit 1       Disposed    set once by Dispose: fast paths fail, slow paths throw ObjectDisposedException.
    //   bits 2-63   Count       available permits, 0..MaxCount.
    private const long HasWaiters = 0b01;
    private const long Disposed = 0b10;
    private const int CountShift = 2;
    private const long One = 1L << CountShift;

    // How many backoff rounds a blocking wait spins (while nobody is queued) before it parks.
    private const int SpinLimit = 4;

    // How many granted waiters a release wakes per wait-lock critical section (the stack buffer's size).
    private const int WakeBatch = 16;

    private long _state;

    // The largest count; fixed at initialization.
    private int _maxCount;

    private RawSpinLock _waitLock;

    // Waiters linked in _waiters. May only be accessed while _waitLock is held.
    private int _waiterCount;

    // Releasers that dropped the wait lock between two batches with permits still to hand to queued waiters (the
    // only time the list may be non-empty while the count is positive). May only be accessed while _waitLock is held.
    private int _drainers;

    // Head of the circular list of WaitNode.Link, oldest first. May only be accessed while _waitLock is held.
    private ListHead _waiters;

    /// <summary>The number of permits available now (a snapshot).</summary>
    public readonly int CurrentCount => (int)(Volatile.Read(in _state) >> CountShift);

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

    /// <summary>Takes a permit if one is available and nobody is queued, without waiting.</summary>
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

    /// <summary>The fast path: takes a permit with one compare-and-swap when one is available, nobody is queued and
    /// the semaphore is not disposed (retrying only while other takers change the count).</summary>
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

    /// <summary>Takes a permit starting from the observed <paramref name="state"/>, retrying while permits remain and
    /// nobody is queued.</summary>
    private static bool TryTakeFrom(RawSemaphore* semaphore, long state)
    {
        while ((state & (HasWaiters | Disposed)) == 0 && state >= One)
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
    }

    /// <summary>Whether the semaphore was disposed.</summary>
    internal static bool IsDisposed(RawSemaphore* semaphore) => (Volatile.Read(ref semaphore->_state) & Disposed) != 0;

    /// <summary>Never waits: takes a permit under the wait lock when the fast path could not decide (someone may be
    /// queued, or the semaphore is disposed).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryWaitSlow(RawSemaphore* semaphore)
    {
        var state = Volatile.Read(ref semaphore->_state);
        if ((state & (HasWaiters | Disposed)) == 0)
        {
            return false; // No permit when the fast path looked, and nobody queued: nothing to take.
        }

        semaphore->_waitLock.Enter();
        if ((semaphore->_state & Disposed) != 0)
        {
            semaphore->_waitLock.Exit();
            ThrowDisposed();
        }

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
        var count = state >> CountShift;
        Debug.Assert(empty == (semaphore->_waiterCount == 0), "Waiter count out of step with the list.");
        Debug.Assert(empty || (state & HasWaiters) != 0, "A non-empty list must set HasWaiters.");
        Debug.Assert(count >= 0 && count <= semaphore->_maxCount, "The count must stay within 0..MaxCount.");
        Debug.Assert(empty || count == 0 || semaphore->_drainers > 0,
            "Permits may be available while waiters are queued only while a releaser is still handing them over.");
        Debug.Assert(semaphore->_drainers >= 0, "Drainer count underflow.");
    }

    /// <summary>
    /// Under the wait lock: sets <see cref="HasWaiters"/> (freezing the count against fast paths) and takes a permit
    /// if one is available and nobody is queued — never ahead of a queued waiter. A caller that does not link a node
    /// afterwards calls <see cref="ClearWaitersBitIfEmptyLocked"/>.
    /// </summary>
    private static bool TryTakeLocked(RawSemaphore* semaphore)
    {
        AssertInvariantsLocked(semaphore);

        // Callers have checked Disposed under this lock; Dispose may set it concurrently (without the lock), which
        // only means this last permit is taken just before the dispose.
        var state = Interlocked.Or(ref semaphore->_state, HasWaiters) | HasWaiters;

        // From here on only wait-lock holders change the count (both fast paths fail while HasWaiters is set).
        if (semaphore->_waiterCount == 0 && state >= One)
        {
            Interlocked.Add(ref semaphore->_state, -One);
            return true;
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

    /// <summary>Under the wait lock, after <see cref="TryTakeLocked"/> failed: links <paramref name="node"/> at the
    /// tail.</summary>
    private static void LinkLocked(RawSemaphore* semaphore, WaitNode* node)
    {
        AssertInvariantsLocked(semaphore);
        Debug.Assert((semaphore->_state & HasWaiters) != 0, "HasWaiters is set before a node is linked.");

        // SAFETY: the node is detached and owned by its waiter, which keeps it alive until it sees it unlinked under
        // this lock.
        node->State = WaitNodeState.Waiting;
        node->Queue = (nint)(&semaphore->_waitLock);
        WaitListCheck.BeforeLink(&semaphore->_waitLock, &semaphore->_waiters, "RawSemaphore", semaphore);
        ListHead.AddTail(&semaphore->_waiters, &node->Link);
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
