// Implementation notes
// ====================
// RawCondVar is a condition variable in one pinned unmanaged struct: a wait lock and a circular list of waiter
// nodes (stack nodes for blocking waits, slab nodes for async waits), each tagged with the mutex it must re-take.
//
// Queue discipline: FIFO. NotifyOne takes the oldest waiter, NotifyAll every waiter queued at the time of the call
// (the list is spliced onto a local head first, so a waiter that re-waits during the call is not notified twice).
// A notification with nobody waiting is not stored.
//
// Wait morphing: a notified waiter whose mutex is held is moved straight onto the mutex's wait list (under the
// condition variable's lock, then the mutex's wait lock — always in that order) instead of being woken only to
// block again; when the mutex is free it is woken to compete for it. Either way the waiter returns holding the
// mutex, with the same guard. An async waiter whose mutex is held with nobody queued skips the list: it waits in the
// mutex's notified-waiter slot, which the holder's unlock empties (RawMutex.NotifiedSlot.cs).
//
// Who completes waiters: while a node carries WaitNodeFlags.CondVar it is on this list, and whoever unlinks it
// here (a notifier, its own timeout or cancellation, Dispose) owns its completion. Once notified the flag is gone:
// a later timeout or cancellation is a no-op (the notification won, and is never reported as a timeout); the
// waiter just finishes re-taking the mutex. A timed-out, canceled or disposed waiter re-takes the mutex itself
// before it reports, so every Wait returns (or throws) with the lock held.
//
// No spurious wakeups: a blocking waiter only leaves on notification, timeout, cancellation or dispose.

using System.Diagnostics;
using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// A condition variable in one pinned, unmanaged struct, used with a <see cref="RawMutex"/>. Build it in place with
/// <see cref="Init"/>; it must never move afterwards. The managed façade is <see cref="CondVar"/>.
/// </summary>
/// <remarks>Thread safety: every member is thread-safe. A condition variable may serve waiters of different mutexes
/// at once; each waiter re-takes its own.</remarks>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
[DebuggerDisplay("Waiters = {WaiterCount}")]
public unsafe partial struct RawCondVar
{
    private RawSpinLock _waitLock;

    // 1 once disposed. May only be written while _waitLock is held.
    private int _disposed;

    // Waiters linked in _waiters (or spliced onto a NotifyAll in progress). May only be accessed while _waitLock is held.
    private int _waiterCount;

    // Head of the circular list of WaitNode.Link. May only be accessed while _waitLock is held.
    private ListHead _waiters;

    /// <summary>How many waiters are queued (a snapshot, for diagnostics).</summary>
    public readonly int WaiterCount => Volatile.Read(in _waiterCount);

    /// <summary>An in-place initializer: a condition variable with no waiters.</summary>
    /// <returns>The initializer; it cannot fail.</returns>
    public static InitRawCondVar Init() => default;

    /// <summary>Builds an empty condition variable at <paramref name="slot"/>.</summary>
    internal static void InitInPlace(RawCondVar* slot)
    {
        // SAFETY: the slot is at its final address (IPinInit contract), so the self-pointing head stays valid.
        slot->_waitLock = default;
        slot->_disposed = 0;
        slot->_waiterCount = 0;
        ListHead.Init(&slot->_waiters);
    }

    /// <summary>Wakes the oldest waiter, if any (a notification with nobody waiting is not stored).</summary>
    /// <param name="condVar">The condition variable.</param>
    /// <returns><see langword="true"/> when a waiter was notified.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a live condition variable built by <see cref="Init"/>.</remarks>
    public static bool NotifyOne(RawCondVar* condVar)
    {
        Seam.Point(SchedulingPointKind.Notify, (nint)condVar, nameof(NotifyOne));
        if (NobodyCounted(condVar))
        {
            return false;
        }

        condVar->_waitLock.Enter();
        var notified = NotifyFirstLocked(condVar, &condVar->_waiters, out var parker, out var waiter, out var wake);
        condVar->_waitLock.Exit();
        if (wake)
        {
            RawMutex.Wake(parker, waiter);
        }

        return notified;
    }

    /// <summary>Wakes every waiter queued at the time of the call.</summary>
    /// <param name="condVar">The condition variable.</param>
    /// <returns>How many waiters were notified.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a live condition variable built by <see cref="Init"/>.</remarks>
    public static int NotifyAll(RawCondVar* condVar)
    {
        Seam.Point(SchedulingPointKind.Notify, (nint)condVar, nameof(NotifyAll));
        if (NobodyCounted(condVar))
        {
            return 0;
        }

        // SAFETY: the local head lives in this frame and is drained (under the wait lock) before the frame returns;
        // nodes spliced onto it are reached only under the same lock, by us or by their own timeout/cancellation.
        ListHead batch;
        ListHead.Init(&batch);
        condVar->_waitLock.Enter();
        SpliceLocked(&condVar->_waiters, &batch);
        condVar->_waitLock.Exit();

        var count = 0;
        try
        {
            while (true)
            {
                condVar->_waitLock.Enter();
                var notified = NotifyFirstLocked(condVar, &batch, out var parker, out var waiter, out var wake);
                condVar->_waitLock.Exit();
                if (!notified)
                {
                    return count;
                }

                count++;
                if (wake)
                {
                    RawMutex.Wake(parker, waiter);
                }
            }
        }
        finally
        {
            // Only if a wake threw (out of memory queuing a completion): the rest go back to the front of the list,
            // so that the local head is empty before this frame goes.
            if (!ListHead.IsEmpty(&batch))
            {
                condVar->_waitLock.Enter();
                SpliceFrontLocked(&batch, &condVar->_waiters);
                condVar->_waitLock.Exit();
            }
        }
    }

    /// <summary>Fails every queued waiter with <see cref="ObjectDisposedException"/> (after it re-took its mutex) and
    /// makes later waits throw. Idempotent.</summary>
    /// <param name="condVar">The condition variable.</param>
    /// <remarks><b>Safety:</b> the caller must pass a live condition variable; its memory may be freed only after
    /// every waiter has returned.</remarks>
    public static void Dispose(RawCondVar* condVar)
    {
        Seam.Point(SchedulingPointKind.Lifecycle, (nint)condVar, nameof(Dispose));
        while (true)
        {
            condVar->_waitLock.Enter();
            condVar->_disposed = 1;
            WaitListCheck.BeforeLink(&condVar->_waitLock, &condVar->_waiters, "RawCondVar", condVar);
            var first = ListHead.PopFirst(&condVar->_waiters);
            if (first is null)
            {
                condVar->_waitLock.Exit();
                return;
            }

            // SAFETY: Link is the first field of WaitNode; a linked node is alive until unlinked under this lock.
            var node = (WaitNode*)first;
            condVar->_waiterCount--;
            node->Flags &= ~WaitNodeFlags.CondVar;
            node->State = WaitNodeState.Disposed;
            var parker = node->Parker;
            var waiter = node->Waiter;
            condVar->_waitLock.Exit();
            RawMutex.Wake(parker, waiter);
        }
    }

    /// <summary>
    /// Whether no waiter is counted, read without the wait lock: a notification then has nobody to wake and is not
    /// stored, so it needs no lock section. A notification owed to a waiter cannot be missed: the waiter counts itself
    /// (under the wait lock) before it releases its mutex, and a notifier it is owed to comes after that release — it
    /// took the mutex afterwards to change the condition, so the count is visible to it (or it changed the condition
    /// first, and the waiter saw the change and did not wait).
    /// </summary>
    private static bool NobodyCounted(RawCondVar* condVar) => Volatile.Read(ref condVar->_waiterCount) == 0;

    /// <summary>Under the wait lock: notifies the first node of <paramref name="list"/> — morphs it onto its mutex's
    /// list, or marks it woken (then <paramref name="wake"/> is set and the caller wakes it after unlocking).</summary>
    private static bool NotifyFirstLocked(RawCondVar* condVar, ListHead* list, out int parker, out nint waiter, out bool wake)
    {
        WaitListCheck.BeforeLink(&condVar->_waitLock, list, "RawCondVar", condVar);
        var next = ListHead.First(list);
        if (next is not null)
        {
            WaitListCheck.BeforeUnlink(&condVar->_waitLock, next, "RawCondVar", condVar);
        }

        var first = ListHead.PopFirst(list);
        if (first is null)
        {
            parker = 0;
            waiter = 0;
            wake = false;
            return false;
        }

        // SAFETY: as in Dispose, the popped entry is a live WaitNode; its owner waits for this lock to leave.
        var node = (WaitNode*)first;
        condVar->_waiterCount--;
        node->Flags = (node->Flags & ~WaitNodeFlags.CondVar) | WaitNodeFlags.Notified;

        // Copy first: once morphed onto the mutex's list, an unlock elsewhere may complete and recycle the node.
        parker = node->Parker;
        waiter = node->Waiter;
        wake = RawMutex.MorphOrWake((RawMutex*)node->Tag, node);
        return true;
    }

    /// <summary>Moves every node of <paramref name="from"/> onto the empty list <paramref name="to"/>.</summary>
    private static void SpliceLocked(ListHead* from, ListHead* to)
    {
        if (ListHead.IsEmpty(from))
        {
            return;
        }

        // SAFETY: both heads are valid and the wait lock is held; the nodes keep their order.
        to->Next = from->Next;
        to->Prev = from->Prev;
        to->Next->Prev = to;
        to->Prev->Next = to;
        ListHead.Init(from);
    }

    /// <summary>Moves every node of <paramref name="from"/> to the front of <paramref name="to"/>, in order.</summary>
    private static void SpliceFrontLocked(ListHead* from, ListHead* to)
    {
        // SAFETY: both heads are valid and the wait lock is held; each node is unlinked and linked under it.
        ListHead* last;
        while ((last = ListHead.Last(from)) is not null)
        {
            ListHead.Remove(last);
            ListHead.AddHead(to, last);
        }
    }

    [Conditional("DEBUG")]
    private static void AssertInvariantsLocked(RawCondVar* condVar)
    {
        Debug.Assert(condVar->_waitLock.IsHeld, "The wait lock must be held.");
        Debug.Assert(condVar->_waiterCount >= 0, "Negative waiter count.");
        Debug.Assert(condVar->_waiterCount > 0 || ListHead.IsEmpty(&condVar->_waiters), "Waiters listed but not counted.");
    }
}
