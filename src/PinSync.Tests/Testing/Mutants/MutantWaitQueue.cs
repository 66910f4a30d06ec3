using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync.Tests.Testing.Mutants;

/// <summary>The one bug a <see cref="MutantWaitQueue"/> carries.</summary>
internal enum WaitQueueMutation
{
    /// <summary>None: the kernel's wait_event protocol as <see cref="RawWaitQueue"/> runs it (link, fence, re-check,
    /// sleep).</summary>
    None,

    /// <summary>WaitUntil does not re-check the condition after linking its node: a wake that ran between the
    /// first (node-less) check and the link finds nobody, and the waiter sleeps for ever (lost wakeup).</summary>
    SkipRecheckAfterEnqueue,
}

/// <summary>The state of a <see cref="MutantWaitQueue"/>: wait lock and one list of non-exclusive waiters.</summary>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
internal struct MutantWaitQueueState
{
    internal RawSpinLock WaitLock;
    internal int WaiterCount;
    internal ListHead Waiters;
}

/// <summary>
/// A wait queue built like <see cref="RawWaitQueue"/> (non-exclusive blocking waiters only): stack
/// <see cref="WaitNode"/>s linked under a <see cref="RawSpinLock"/>, WakeAll unlinks and marks every node granted and
/// unparks them after dropping the lock, the same scheduling points (Wait before linking, Enqueue after, Notify at
/// the wake's entry, Wake per woken waiter). Exactly one <see cref="WaitQueueMutation"/>. Test project only.
/// </summary>
internal sealed unsafe class MutantWaitQueue : IWaitQueueUnderTest
{
    private const int Batch = 16;

    private readonly byte[] _owner;
    private readonly MutantWaitQueueState* _q;
    private readonly WaitQueueMutation _mutation;

    internal MutantWaitQueue(WaitQueueMutation mutation)
    {
        _q = PinSync.PinnedStorage.Allocate<MutantWaitQueueState>(out _owner);
        ListHead.Init(&_q->Waiters);
        _mutation = mutation;
    }

    public void WaitUntil(Func<bool> condition)
    {
        if (condition())
        {
            return;
        }

        // SAFETY: the node lives in this frame and is seen unlinked under the wait lock before the frame returns.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        Seam.Point(SchedulingPointKind.Wait, (nint)_q, "WaitUntil");
        while (true)
        {
            _q->WaitLock.Enter();
            node.State = WaitNodeState.Waiting;
            ListHead.AddTail(&_q->Waiters, &node.Link);
            _q->WaiterCount++;
            _q->WaitLock.Exit();
            Interlocked.MemoryBarrier();
            Seam.Point(SchedulingPointKind.Enqueue, (nint)_q, "WaitUntil");

            // BUG (mutation): no re-check here, so a wake that came before the link is lost.
            if (_mutation != WaitQueueMutation.SkipRecheckAfterEnqueue && condition())
            {
                Leave(&node);
                return;
            }

            while (Volatile.Read(ref node.State) == WaitNodeState.Waiting)
            {
                Seam.Park(node.Parker, Seam.Infinite, (nint)_q, "WaitUntil");
            }

            Leave(&node);
            if (condition())
            {
                return;
            }
        }
    }

    public int WakeAll()
    {
        Seam.Point(SchedulingPointKind.Notify, (nint)_q, "WakeAll");
        var parkers = stackalloc int[Batch];
        var woken = 0;
        while (true)
        {
            var count = 0;
            _q->WaitLock.Enter();
            for (var first = ListHead.First(&_q->Waiters); count < Batch && first != null; first = ListHead.First(&_q->Waiters))
            {
                var node = (WaitNode*)first;
                MutantLists.UnlinkLocked(ref _q->WaiterCount, node);
                node->State = WaitNodeState.Granted;
                parkers[count++] = node->Parker;
            }

            _q->WaitLock.Exit();
            for (var i = 0; i < count; i++)
            {
                Seam.Point(SchedulingPointKind.Wake, (nint)_q, "wake");
                Seam.Unpark(parkers[i]);
            }

            woken += count;
            if (count < Batch)
            {
                return woken;
            }
        }
    }

    private void Leave(WaitNode* node)
    {
        _q->WaitLock.Enter();
        MutantLists.UnlinkLocked(ref _q->WaiterCount, node);
        _q->WaitLock.Exit();
    }
}
