// Implementation notes
// ====================
// RawWaitQueue is the kernel's wait_queue_head carried over to .NET: a wait-list lock and the heads of two circular
// lists of waiter nodes, in one pinned unmanaged struct. It stores no condition and no "signal": a waiter waits for a
// caller-supplied predicate to become true, and whoever makes it true calls WakeOne/WakeAll afterwards.
//
// Wait protocol (the kernel's wait_event: prepare_to_wait / schedule / finish_wait). A waiter
//   1. evaluates the condition without a node (fast path: true → return, nothing queued);
//   2. links its node under the wait lock (prepare_to_wait), then issues a full fence;
//   3. evaluates the condition again, outside the lock; true → unlinks itself (or accepts that a waker already did)
//      and returns true;
//   4. sleeps until its node is unlinked: by a wake (state Granted), its timeout (TimedOut), its token (Canceled) or
//      Dispose (Disposed);
//   5. after a wake evaluates the condition (unlinked): true → returns true; false → goes back to 2 (unless its
//      deadline passed or its token fired: then returns false / throws);
//      after a timeout or cancellation evaluates the condition one last time: true → returns true (the waiter
//      never discards a true evaluation, so a predicate that consumes something, such as a token taken with
//      Interlocked, is never lost); false → returns false / throws OperationCanceledException;
//      after Dispose throws ObjectDisposedException without evaluating it.
// The condition is user code: it always runs outside the wait lock, on the waiting thread (blocking waits) or on the
// thread pool thread that resumes the waiter (awaited waits, also for the evaluations of step 5).
//
// Why no wakeup is lost. A waker makes the condition true and then calls Wake*. Take a waiter that found the
// condition false in step 3 and sleeps. Its link (step 2) is a critical section under the wait lock, and so is the
// waker's walk of the lists. If the waker's section comes after the link, the waker sees the node and wakes it. If
// it comes before, then the waker's write of the condition precedes its lock acquisition, which precedes the waiter's
// acquisition for the link, which precedes the waiter's re-check: the re-check sees the condition true, and the
// waiter does not sleep. The lock-free early exit of Wake* (no waiter linked → return 0 without the lock) keeps the
// argument with a fence pair, as the kernel's wq_has_sleeper does: the waiter writes _waiterCount (link) and then
// fences before reading the condition; the waker writes the condition and then fences before reading _waiterCount.
// Of the two reads at least one sees the other side's write: the waker sees a linked waiter (and takes the lock), or
// the waiter sees the condition true.
//
// Queue discipline and exclusivity. Non-exclusive waiters are linked at the tail of _shared; exclusive waiters at the
// tail of _exclusive. Sync and async waiters share both lists. WakeOne wakes the first exclusive waiter and every
// non-exclusive waiter; WakeAll wakes everyone. This is the kernel's __wake_up(nr_exclusive = 1) with the kernel's
// insertion rule (non-exclusive at the head, exclusive at the tail, so that the walk "wake every non-exclusive waiter,
// stop after the first exclusive one" meets every non-exclusive waiter first); two lists give the same result with an
// O(1) pick of the exclusive waiter. A woken exclusive waiter whose condition is false again (someone else consumed it)
// re-queues at the HEAD of _exclusive, keeping its FIFO place; a woken non-exclusive waiter re-queues at the tail
// (their order does not matter: every wake wakes them all).
//
// A Wake* wakes only the nodes linked before it first took the lock (each link takes a fresh sequence number, kept in
// WaitNode.Tag): a waiter re-queued after that point has re-checked the condition after the waker's write (the
// argument above), so waking it again is unnecessary, and a wake can never chase re-queueing waiters for ever. The
// woken nodes are collected in batches under the lock and woken after dropping it.
//
// Passing a wakeup on. A woken exclusive waiter always re-evaluates the condition and returns true if it holds, also
// when its timeout or token fired meanwhile (the kernel's "an exclusive waiter must not fail if it was selected by a
// wakeup"). If it is false, somebody else consumed what the wakeup announced, and nothing is owed to the next
// exclusive waiter. The one exit that would strand a wakeup is a condition that throws: then the waiter passes it on
// (WakeOne) before the exception leaves. A waiter that times out or is canceled while still linked unlinks itself
// under the wait lock; a wake then picks the next exclusive waiter, so that race strands nothing either.
//
// Who completes waiters. Only whoever unlinks a node under the wait lock: a waker (Granted), the waiter's own timeout
// or cancellation, or Dispose. Wakers copy the parker id or waiter handle under the lock and unpark/queue after
// dropping it; async completions always run on the thread pool (or as an explorer operation), never inline in Wake*.
//
// Scheduling points: Wait (before linking), Enqueue (after linking, before the re-check), Notify (entry of Wake*), Wake
// (per woken waiter), Cancel (a waiter leaving by itself); none inside a wait-lock critical section.

using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync;

/// <summary>
/// A wait queue in one pinned, unmanaged struct: the kernel's <c>wait_queue_head</c>. Waiters wait for a condition
/// (a caller-supplied predicate) to become true; whoever makes it true calls <see cref="WakeOne"/> or
/// <see cref="WakeAll"/>. Waiters are exclusive (<see cref="WakeOne"/> wakes one of them) or non-exclusive (every wake
/// wakes them all). Build it in place with <see cref="Init"/>; it must never move afterwards.
/// </summary>
/// <remarks>
/// <para>Embed it in your own <see cref="PinnedAttribute"/> struct, a <see cref="PinBox{T}"/> or a slab node, or use the
/// managed façade <see cref="WaitQueue"/>. All members take the queue by pointer, because its address is its identity
/// and its wait lists point at it.</para>
/// <para>Thread safety: every member is thread-safe; <see cref="Dispose(RawWaitQueue*)"/> fails every queued waiter
/// with <see cref="ObjectDisposedException"/>, and the memory may be freed only once no waiter can still reach it.</para>
/// </remarks>
[Pinned]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The name is the public contract (DESIGN.md §3): the kernel's wait queue, not a collection.")]
[StructLayout(LayoutKind.Sequential)]
[DebuggerDisplay("Waiters = {WaiterCount}, Disposed = {IsDisposedForDebugger}")]
public unsafe partial struct RawWaitQueue
{
    /// <summary>The object name carried by <see cref="ObjectDisposedException"/>s raised below the façade.</summary>
    internal const string ObjectName = "PinSync.WaitQueue";

    // _state layout:
    //   bit 0    Disposed  Dispose ran: waits and wakes throw ObjectDisposedException; set once, never cleared
    //   bits 1-31          unused, zero
    private const int Disposed = 0b1;

    private int _state;

    private RawSpinLock _waitLock;

    // Nodes linked in _shared and _exclusive together. Written only while _waitLock is held; read without it by the
    // early exit of Wake* (after a full fence; see the notes) and by WaiterCount.
    private int _waiterCount;

    // Source of link sequence numbers (WaitNode.Tag): 1, 2, ... May only be accessed while _waitLock is held.
    private long _linkSequence;

    // Non-exclusive waiters, in link order (tail insertion only, so Tag increases from head to tail). May only be
    // accessed while _waitLock is held.
    private ListHead _shared;

    // Exclusive waiters, FIFO; a woken waiter that re-queues goes back to the head. May only be accessed while
    // _waitLock is held.
    private ListHead _exclusive;

    /// <summary>How many waiters are queued (a snapshot, for diagnostics). A waiter that was woken and is
    /// re-checking its condition is not counted.</summary>
    public readonly int WaiterCount => Volatile.Read(in _waiterCount);

    private readonly bool IsDisposedForDebugger => (Volatile.Read(in _state) & Disposed) != 0;

    /// <summary>An in-place initializer: an empty wait queue.</summary>
    /// <returns>The initializer; it cannot fail.</returns>
    public static InitRawWaitQueue Init() => default;

    /// <summary>Builds an empty queue at <paramref name="slot"/> (see <see cref="InitRawWaitQueue"/>).</summary>
    internal static void InitInPlace(RawWaitQueue* slot)
    {
        // SAFETY: the slot is at the queue's final address (IPinInit contract), so the self-pointing heads stay valid.
        slot->_state = 0;
        slot->_waitLock = default;
        slot->_waiterCount = 0;
        slot->_linkSequence = 0;
        ListHead.Init(&slot->_shared);
        ListHead.Init(&slot->_exclusive);
    }

    /// <summary>Whether the queue was disposed.</summary>
    internal static bool IsDisposed(RawWaitQueue* queue) =>

        // SAFETY: callers pass a live, pinned queue.
        (Volatile.Read(ref queue->_state) & Disposed) != 0;

    [Conditional("DEBUG")]
    private static void AssertInvariantsLocked(RawWaitQueue* queue)
    {
        // SAFETY: callers pass a live queue and hold its wait lock, so the lists are stable while counted.
        Debug.Assert(queue->_waitLock.IsHeld, "The wait lock must be held.");
        var empty = ListHead.IsEmpty(&queue->_shared) && ListHead.IsEmpty(&queue->_exclusive);
        Debug.Assert(empty == (queue->_waiterCount == 0), "Waiter count out of step with the lists.");
        Debug.Assert(
            queue->_waiterCount > 64 || ListHead.Count(&queue->_shared) + ListHead.Count(&queue->_exclusive) == queue->_waiterCount,
            "Waiter count differs from the number of linked nodes.");
    }

    /// <summary>
    /// Links <paramref name="node"/> (prepare_to_wait) unless the queue was disposed, then fences so that the caller's
    /// re-check of the condition cannot be ordered before the link (see the notes). Returns <see langword="false"/> when
    /// disposed (nothing linked).
    /// </summary>
    private static bool Link(RawWaitQueue* queue, WaitNode* node, bool atHead)
    {
        queue->_waitLock.Enter();
        if ((queue->_state & Disposed) != 0)
        {
            queue->_waitLock.Exit();
            return false;
        }

        LinkLocked(queue, node, atHead);
        queue->_waitLock.Exit();

        // Pairs with the fence in Wake* before it reads _waiterCount without the lock.
        Interlocked.MemoryBarrier();
        return true;
    }

    /// <summary>Under the wait lock: links <paramref name="node"/> into the list its flags select (exclusive nodes
    /// at the head when <paramref name="atHead"/>: a re-queue after a wake) with a fresh sequence number.</summary>
    private static void LinkLocked(RawWaitQueue* queue, WaitNode* node, bool atHead)
    {
        AssertInvariantsLocked(queue);
        Debug.Assert(!ListHead.IsLinked(&node->Link), "A node is linked into one list at a time.");

        // SAFETY: the wait lock is held and the node is detached and owned by the caller, who keeps it at its address
        // until it has seen it unlinked under this lock.
        node->State = WaitNodeState.Waiting;
        node->Queue = (nint)(&queue->_waitLock);
        node->Tag = (nint)(++queue->_linkSequence);
        var head = (node->Flags & WaitNodeFlags.Exclusive) == 0 ? &queue->_shared : &queue->_exclusive;
        WaitListCheck.BeforeLink(&queue->_waitLock, head, "RawWaitQueue", queue);
        if ((node->Flags & WaitNodeFlags.Exclusive) == 0)
        {
            ListHead.AddTail(&queue->_shared, &node->Link);
        }
        else if (atHead)
        {
            ListHead.AddHead(&queue->_exclusive, &node->Link);
        }
        else
        {
            ListHead.AddTail(&queue->_exclusive, &node->Link);
        }

        queue->_waiterCount++;
    }

    /// <summary>Under the wait lock: unlinks <paramref name="node"/> if it is linked, keeping the count in step.
    /// Returns whether it was linked (the caller then owns its completion).</summary>
    private static bool UnlinkLocked(RawWaitQueue* queue, WaitNode* node)
    {
        AssertInvariantsLocked(queue);

        // SAFETY: the wait lock is held, so the node's links (if any) are stable; removing a detached node is a no-op.
        WaitListCheck.BeforeUnlink(&queue->_waitLock, &node->Link, "RawWaitQueue", queue);
        if (!ListHead.Remove(&node->Link))
        {
            return false;
        }

        queue->_waiterCount--;
        return true;
    }
}
