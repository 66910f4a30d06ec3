using System.Globalization;
using System.Runtime.CompilerServices;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// The probes the façades hand to a controller (<see cref="SchedulingController.OnPrimitiveCreated"/>), and the walk
/// that checks a wait list. Made only on threads attached to a controller: in production <see cref="Seam.ControlEnabled"/>
/// is a JIT-time <see langword="false"/> and the hook compiles away.
/// </summary>
internal static unsafe class PrimitiveProbes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OnCreated(object owner, RawMutex* raw)
    {
        if (Seam.ControlEnabled && SchedulingController.Current is { } controller)
        {
            controller.OnPrimitiveCreated(new Probe(owner, (nint)raw, "PinnedMutex", () => RawMutex.CheckQuiescent(raw)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static SemaphoreLedger? OnCreated(PinnedSemaphore owner, RawSemaphore* raw, int initialCount)
    {
        if (Seam.ControlEnabled && SchedulingController.Current is { } controller)
        {
            var ledger = new SemaphoreLedger(initialCount);
            controller.OnPrimitiveCreated(new Probe(owner, (nint)raw, "PinnedSemaphore",
                () => RawSemaphore.CheckQuiescent(raw) ?? ledger.Check(raw->CurrentCount, owner.IsDisposed)));
            return ledger;
        }

        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OnCreated(CondVar owner, RawCondVar* raw)
    {
        if (Seam.ControlEnabled && SchedulingController.Current is { } controller)
        {
            controller.OnPrimitiveCreated(new Probe(owner, (nint)raw, "CondVar", () => RawCondVar.CheckQuiescent(raw)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OnCreated(WaitQueue owner, RawWaitQueue* raw)
    {
        if (Seam.ControlEnabled && SchedulingController.Current is { } controller)
        {
            controller.OnPrimitiveCreated(new Probe(owner, (nint)raw, "WaitQueue", () => RawWaitQueue.CheckQuiescent(raw)));
        }
    }

    /// <summary>
    /// Walks the circular list at <paramref name="head"/>: every link's successor points back at it, and the walk
    /// returns to the head within <paramref name="expected"/> nodes. Returns <see langword="null"/> when the list is
    /// well-formed and <paramref name="expected"/> long, else what is wrong.
    /// </summary>
    internal static string? CheckList(ListHead* head, int expected, string name) =>
        Walk(head, expected, name, out var count)
        ?? (count == expected ? null
            : string.Create(CultureInfo.InvariantCulture, $"the {name} list holds {count} node(s) but the waiter count is {expected}"));

    /// <summary>Walks the list at <paramref name="head"/> (at most <paramref name="limit"/> nodes), counting its nodes
    /// into <paramref name="count"/>; returns what is wrong, or <see langword="null"/>.</summary>
    internal static string? Walk(ListHead* head, int limit, string name, out int count)
    {
        // SAFETY: the primitive is at rest (no operation touches it) and its memory is kept alive by the probe; every
        // link read is one the list itself points at, and the walk is bounded by the waiter count.
        count = 0;
        if (head->Next == null || head->Prev == null)
        {
            return $"the {name} list head is not initialized";
        }

        var link = head;
        while (true)
        {
            var next = link->Next;
            if (next == null || next->Prev != link)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the {name} list is broken after {count} node(s): a link's successor does not point back at it");
            }

            if (next == head)
            {
                return null;
            }

            if (++count > limit)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the {name} list holds more nodes than its waiter count {limit}");
            }

            link = next;
        }
    }

    private sealed class Probe : PrimitiveProbe
    {
        // Keeps the façade, hence the raw struct's pinned storage, alive while the controller holds the probe.
        private readonly object _owner;
        private readonly Func<string?> _check;

        internal Probe(object owner, nint address, string kind, Func<string?> check)
        {
            _owner = owner;
            Address = address;
            Kind = kind;
            _check = check;
        }

        public override string Kind { get; }

        public override nint Address { get; }

        public override string? CheckQuiescent()
        {
            GC.KeepAlive(_owner);
            return _check();
        }
    }
}

/// <summary>The mutex at rest.</summary>
public unsafe partial struct RawMutex
{
    internal static string? CheckQuiescent(RawMutex* mutex) =>
        PrimitiveProbes.CheckList(&mutex->_waiters, mutex->_waiterCount, "wait")
        ?? (mutex->_waiterCount != 0 ? $"{mutex->_waiterCount} waiter(s) still queued"
            : HasNotified(mutex) ? "a notified condition waiter is still in the slot (or the slot is not empty)"
            // Disposed: its waiters were failed; the state bits of a lock nobody may take again say nothing.
            : (mutex->_state & Disposed) != 0 ? null
            : (mutex->_state & Locked) != 0 ? "still locked after every operation finished (a holder left without unlocking)"
            : (mutex->_state & HasWaiters) != 0 ? "HasWaiters is set with nobody queued"
            : (mutex->_state & WakePending) != 0 ? "a wake is pending with nobody to take it (the next waiter would sleep through unlocks)"
            : (mutex->_state & NoBarge) != 0 ? "NoBarge is set with no wake pending (newcomers would queue on a free mutex)"
            : null);
}

/// <summary>The semaphore at rest.</summary>
public unsafe partial struct RawSemaphore
{
    internal static string? CheckQuiescent(RawSemaphore* semaphore) =>
        PrimitiveProbes.CheckList(&semaphore->_waiters, semaphore->_waiterCount, "wait")
        ?? (semaphore->_waiterCount != 0 ? $"{semaphore->_waiterCount} waiter(s) still queued"
            : (semaphore->_state & HasWaiters) != 0 ? "HasWaiters is set with nobody queued"
            : WokenOf(semaphore->_state) != 0 ? $"{WokenOf(semaphore->_state)} woken waiter(s) never competed (a wake not settled)"
            : semaphore->_drainers != 0 ? $"{semaphore->_drainers} releaser(s) still distributing"
            : (semaphore->_state & NoBarge) != 0 ? "NoBarge is set with no woken waiter on its way"
            : null);
}

/// <summary>The condition variable at rest.</summary>
public unsafe partial struct RawCondVar
{
    internal static string? CheckQuiescent(RawCondVar* condVar) =>
        PrimitiveProbes.CheckList(&condVar->_waiters, condVar->_waiterCount, "wait")
        ?? (condVar->_waiterCount != 0 ? $"{condVar->_waiterCount} waiter(s) still queued" : null);
}

/// <summary>The wait queue at rest.</summary>
public unsafe partial struct RawWaitQueue
{
    internal static string? CheckQuiescent(RawWaitQueue* queue) =>
        PrimitiveProbes.Walk(&queue->_shared, queue->_waiterCount, "shared", out var shared)
        ?? PrimitiveProbes.Walk(&queue->_exclusive, queue->_waiterCount - shared, "exclusive", out var exclusive)
        ?? (shared + exclusive != queue->_waiterCount
            ? string.Create(CultureInfo.InvariantCulture, $"{shared + exclusive} node(s) linked but the waiter count is {queue->_waiterCount}")
            : queue->_waiterCount != 0 ? $"{queue->_waiterCount} waiter(s) still queued" : null);
}
