using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync.Tests.Testing.Mutants;

/// <summary>The one bug a <see cref="MutantMutex"/> carries.</summary>
internal enum MutexMutation
{
    /// <summary>None: a faithful copy of <see cref="RawMutex"/>'s blocking lock and unlock (without the handoff).</summary>
    None,

    /// <summary>The slow unlock clears the waiters bit together with the lock bit although waiters remain queued: the
    /// next unlock takes the fast path and wakes nobody (lost wakeup).</summary>
    ClearWaitersBitWithWaitersLeft,
}

/// <summary>The state of a <see cref="MutantMutex"/>: <see cref="RawMutex"/>'s state word (Locked, HasWaiters), wait
/// lock and FIFO list.</summary>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
internal struct MutantMutexState
{
    internal int State;
    internal RawSpinLock WaitLock;
    internal int WaiterCount;
    internal ListHead Waiters;
}

/// <summary>
/// A mutex built like <see cref="RawMutex"/>: one compare-and-swap to lock and to unlock while the HasWaiters bit is
/// clear, a slow path under the wait lock that wakes the first waiter to compete (a loser re-queues at the head),
/// stack <see cref="WaitNode"/>s, park/unpark through the seam and the same scheduling points. Blocking only, no
/// starvation handoff, exactly one <see cref="MutexMutation"/>. Test project only.
/// </summary>
internal sealed unsafe class MutantMutex : IMutexUnderTest
{
    private const int Locked = 1;
    private const int HasWaiters = 2;

    private readonly byte[] _owner;
    private readonly MutantMutexState* _m;
    private readonly MutexMutation _mutation;

    internal MutantMutex(MutexMutation mutation)
    {
        _m = PinSync.PinnedStorage.Allocate<MutantMutexState>(out _owner);
        ListHead.Init(&_m->Waiters);
        _mutation = mutation;
    }

    public bool IsLocked => (Volatile.Read(ref _m->State) & Locked) != 0;

    public void Lock()
    {
        Seam.Point(SchedulingPointKind.Acquire, (nint)_m, "Lock");
        if (TryLockFast())
        {
            return;
        }

        // SAFETY: the node lives in this frame; it is unlinked by an unlocker (under the wait lock) before we leave.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        var requeue = false;
        while (true)
        {
            _m->WaitLock.Enter();
            if (TryLockLocked())
            {
                _m->WaitLock.Exit();
                return;
            }

            node.State = WaitNodeState.Waiting;
            if (requeue)
            {
                ListHead.AddHead(&_m->Waiters, &node.Link);
            }
            else
            {
                ListHead.AddTail(&_m->Waiters, &node.Link);
            }

            _m->WaiterCount++;
            _m->WaitLock.Exit();
            Seam.Point(SchedulingPointKind.Enqueue, (nint)_m, "Lock");
            while (Volatile.Read(ref node.State) == WaitNodeState.Waiting)
            {
                Seam.Park(node.Parker, Seam.Infinite, (nint)_m, "Lock");
            }

            // Synchronize with the unlocker, which wrote the state under the wait lock.
            _m->WaitLock.Enter();
            _m->WaitLock.Exit();

            // Woken to compete: barging newcomers may win; then queue again at the head.
            if (TryLockFast())
            {
                return;
            }

            requeue = true;
        }
    }

    public void Unlock()
    {
        Seam.Point(SchedulingPointKind.Release, (nint)_m, "Unlock");
        if (Interlocked.CompareExchange(ref _m->State, 0, Locked) == Locked)
        {
            return;
        }

        _m->WaitLock.Enter();
        var first = ListHead.First(&_m->Waiters);
        if (first is null)
        {
            Interlocked.And(ref _m->State, ~(Locked | HasWaiters));
            _m->WaitLock.Exit();
            return;
        }

        var node = (WaitNode*)first;
        MutantLists.UnlinkLocked(ref _m->WaiterCount, node);
        if (_m->WaiterCount == 0 || _mutation == MutexMutation.ClearWaitersBitWithWaitersLeft)
        {
            // BUG (mutation): clears HasWaiters although WaiterCount may still be positive.
            Interlocked.And(ref _m->State, ~HasWaiters);
        }

        node->State = WaitNodeState.Woken;
        Interlocked.And(ref _m->State, ~Locked);
        var parker = node->Parker;
        _m->WaitLock.Exit();
        Seam.Point(SchedulingPointKind.Wake, (nint)_m, "wake");
        Seam.Unpark(parker);
    }

    private bool TryLockFast()
    {
        var state = Volatile.Read(ref _m->State);
        return (state & Locked) == 0 && Interlocked.CompareExchange(ref _m->State, state | Locked, state) == state;
    }

    /// <summary>Under the wait lock: announce a waiter, then take the mutex if it is free (as RawMutex does).</summary>
    private bool TryLockLocked()
    {
        var state = Interlocked.Or(ref _m->State, HasWaiters) | HasWaiters;
        while ((state & Locked) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _m->State, state | Locked, state);
            if (seen == state)
            {
                if (_m->WaiterCount == 0)
                {
                    Interlocked.And(ref _m->State, ~HasWaiters);
                }

                return true;
            }

            state = seen;
        }

        return false;
    }
}
