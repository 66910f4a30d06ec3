using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync.Tests.Testing.Mutants;

/// <summary>The one bug a <see cref="MutantSemaphore"/> carries.</summary>
internal enum SemaphoreMutation
{
    /// <summary>None: a faithful copy of <see cref="RawSemaphore"/>'s blocking wait and release as they were before issue 13
    /// item 6 (strict FIFO handoff; the real semaphore now barges, see RawSemaphore.cs).</summary>
    None,

    /// <summary>Release unparks the first waiter before it unlinks the node and marks it granted: the waiter wakes,
    /// still sees its node waiting, parks again, and the grant that follows never wakes it (lost wakeup).</summary>
    WakeBeforeUnlink,

    /// <summary>A timed waiter whose park timed out reports a timeout even when a release granted it the permit in
    /// the same instant (after the timer fired, before the waiter left the list): the permit is lost.</summary>
    LoseGrantOnTimeout,
}

/// <summary>The state of a <see cref="MutantSemaphore"/>: the skeleton of <see cref="RawSemaphore"/> (wait lock,
/// count, FIFO list of <see cref="WaitNode"/>s).</summary>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
internal struct MutantSemaphoreState
{
    internal RawSpinLock WaitLock;
    internal int Count;
    internal int WaiterCount;
    internal ListHead Waiters;
}

/// <summary>
/// A counting semaphore built like <see cref="RawSemaphore"/> (stack <see cref="WaitNode"/>s in a FIFO list under a
/// <see cref="RawSpinLock"/>, direct handoff, park/unpark through the seam, the same scheduling points), blocking
/// waits only, carrying exactly one <see cref="SemaphoreMutation"/>. Test project only.
/// </summary>
internal sealed unsafe class MutantSemaphore : ISemaphoreUnderTest
{
    private readonly byte[] _owner;
    private readonly MutantSemaphoreState* _s;
    private readonly SemaphoreMutation _mutation;

    internal MutantSemaphore(int initialCount, SemaphoreMutation mutation)
    {
        _s = PinSync.PinnedStorage.Allocate<MutantSemaphoreState>(out _owner);
        _s->Count = initialCount;
        ListHead.Init(&_s->Waiters);
        _mutation = mutation;
    }

    public int CurrentCount => Volatile.Read(ref _s->Count);

    public void Wait() => WaitCore(Seam.Infinite);

    public bool Wait(TimeSpan timeout) => WaitCore(Seam.NowTicks() + timeout.Ticks);

    public void Release()
    {
        Seam.Point(SchedulingPointKind.Release, (nint)_s, "Release");
        _s->WaitLock.Enter();
        var first = ListHead.First(&_s->Waiters);
        if (first is null)
        {
            _s->Count++;
            _s->WaitLock.Exit();
            return;
        }

        var node = (WaitNode*)first;
        if (_mutation == SemaphoreMutation.WakeBeforeUnlink)
        {
            // BUG: wake first, unlink and grant later (in a second critical section).
            var early = node->Parker;
            _s->WaitLock.Exit();
            Seam.Unpark(early);
            Seam.Point(SchedulingPointKind.Wake, (nint)_s, "wake");
            _s->WaitLock.Enter();

            // The node we woke may have left meanwhile (never touch it again): grant whoever is first now.
            first = ListHead.First(&_s->Waiters);
            if (first is null)
            {
                _s->Count++;
            }
            else
            {
                node = (WaitNode*)first;
                MutantLists.UnlinkLocked(ref _s->WaiterCount, node);
                node->State = WaitNodeState.Granted;
            }

            _s->WaitLock.Exit();
            return;
        }

        MutantLists.UnlinkLocked(ref _s->WaiterCount, node);
        node->State = WaitNodeState.Granted;
        var parker = node->Parker;
        _s->WaitLock.Exit();
        Seam.Point(SchedulingPointKind.Wake, (nint)_s, "handoff");
        Seam.Unpark(parker);
    }

    private bool WaitCore(long deadline)
    {
        Seam.Point(SchedulingPointKind.Acquire, (nint)_s, "Wait");

        // SAFETY: the node lives in this frame and is unlinked (under the wait lock) before the frame returns.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        _s->WaitLock.Enter();
        if (_s->WaiterCount == 0 && _s->Count > 0)
        {
            _s->Count--;
            _s->WaitLock.Exit();
            return true;
        }

        node.State = WaitNodeState.Waiting;
        ListHead.AddTail(&_s->Waiters, &node.Link);
        _s->WaiterCount++;
        _s->WaitLock.Exit();
        Seam.Point(SchedulingPointKind.Enqueue, (nint)_s, "Wait");

        var parkTimedOut = false;
        while (Volatile.Read(ref node.State) == WaitNodeState.Waiting)
        {
            if (!Seam.Park(node.Parker, deadline, (nint)_s, "Wait"))
            {
                parkTimedOut = true;
                break;
            }
        }

        _s->WaitLock.Enter();
        var state = MutantLists.UnlinkLocked(ref _s->WaiterCount, &node) ? WaitNodeState.TimedOut : node.State;
        _s->WaitLock.Exit();
        if (_mutation == SemaphoreMutation.LoseGrantOnTimeout && parkTimedOut)
        {
            // BUG: trusts the park's timeout over the node's final state; a grant that raced the timer is dropped.
            return false;
        }

        return state == WaitNodeState.Granted;
    }
}
