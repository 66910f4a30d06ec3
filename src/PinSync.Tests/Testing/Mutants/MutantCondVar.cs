using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync.Tests.Testing.Mutants;

/// <summary>The one bug a <see cref="MutantCondVar"/> carries.</summary>
internal enum CondVarMutation
{
    /// <summary>None: NotifyOne skips waiters whose cancellation already fired and notifies the first live one.</summary>
    None,

    /// <summary>NotifyOne pops the first waiter and, when that waiter was canceled, stops there: the notification is
    /// spent on a waiter that will throw, and the live waiter behind it sleeps on (lost wakeup).</summary>
    NotifyOneStopsAtCanceled,
}

/// <summary>The state of a <see cref="MutantCondVar"/>: wait lock and FIFO list, as in <see cref="RawCondVar"/>.</summary>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
internal struct MutantCondVarState
{
    internal RawSpinLock WaitLock;
    internal int WaiterCount;
    internal ListHead Waiters;
}

/// <summary>
/// A condition variable over the real <see cref="RawMutex"/>, built from <see cref="RawCondVar"/>'s parts (stack
/// <see cref="WaitNode"/>s in a FIFO list under a <see cref="RawSpinLock"/>, linked before the mutex is released,
/// park/unpark through the seam), without wait morphing. Cancellation is lazy: the token's callback marks the node
/// canceled under the wait lock and unparks its owner, which unlinks it when it runs; so NotifyOne may meet a canceled
/// node and must pass over it. Exactly one <see cref="CondVarMutation"/>. Test project only.
/// </summary>
internal sealed unsafe class MutantCondVar : ICondVarUnderTest
{
    private static readonly Action<object?> s_onCanceled = static state => ((Registration)state!).Cancel();

    private readonly byte[] _owner;
    private readonly MutantCondVarState* _c;
    private readonly CondVarMutation _mutation;

    internal MutantCondVar(CondVarMutation mutation)
    {
        _c = PinSync.PinnedStorage.Allocate<MutantCondVarState>(out _owner);
        ListHead.Init(&_c->Waiters);
        _mutation = mutation;
    }

    public void Wait(RealMutex mutex, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // SAFETY: the node lives in this frame; the registration (the only other party that reaches it outside the
        // list) is disposed, and the node seen unlinked under the wait lock, before the frame returns.
        WaitNode node = default;
        node.Parker = Seam.CurrentParker();
        node.Count = 1;
        node.State = WaitNodeState.Waiting;
        _c->WaitLock.Enter();
        ListHead.AddTail(&_c->Waiters, &node.Link);
        _c->WaiterCount++;
        _c->WaitLock.Exit();

        // Linked before the release: a notify issued after the release cannot miss us.
        RawMutex.Unlock(mutex.Raw);
        Seam.Point(SchedulingPointKind.Wait, (nint)_c, "CondVar.Wait");

        int state;
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(s_onCanceled, new Registration(_c, &node))
            : default;
        try
        {
            while (Volatile.Read(ref node.State) == WaitNodeState.Waiting)
            {
                Seam.Park(node.Parker, Seam.Infinite, (nint)_c, "CondVar.Wait");
            }
        }
        finally
        {
            registration.Dispose();
            _c->WaitLock.Enter();
            MutantLists.UnlinkLocked(ref _c->WaiterCount, &node);
            state = node.State;
            _c->WaitLock.Exit();
        }

        RawMutex.Lock(mutex.Raw, CancellationToken.None); // re-taken on every path, not cancelable
        if (state == WaitNodeState.Canceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    public bool NotifyOne()
    {
        Seam.Point(SchedulingPointKind.Notify, (nint)_c, "NotifyOne");
        _c->WaitLock.Enter();
        for (var first = ListHead.First(&_c->Waiters); first != null; first = ListHead.First(&_c->Waiters))
        {
            var node = (WaitNode*)first;
            MutantLists.UnlinkLocked(ref _c->WaiterCount, node);
            if (node->State == WaitNodeState.Canceled)
            {
                if (_mutation == CondVarMutation.NotifyOneStopsAtCanceled)
                {
                    // BUG: the notification is spent on a canceled waiter; nobody is woken.
                    _c->WaitLock.Exit();
                    return false;
                }

                continue; // Its owner throws when it runs; notify the next one.
            }

            node->State = WaitNodeState.Granted;
            var parker = node->Parker;
            _c->WaitLock.Exit();
            Seam.Point(SchedulingPointKind.Wake, (nint)_c, "wake");
            Seam.Unpark(parker);
            return true;
        }

        _c->WaitLock.Exit();
        return false;
    }

    /// <summary>The token callback's state: marks a still-waiting node canceled (it stays linked) and unparks its
    /// owner.</summary>
    private sealed class Registration(MutantCondVarState* condVar, WaitNode* node)
    {
        internal void Cancel()
        {
            condVar->WaitLock.Enter();
            var parker = 0;
            if (ListHead.IsLinked(&node->Link) && node->State == WaitNodeState.Waiting)
            {
                node->State = WaitNodeState.Canceled;
                parker = node->Parker;
            }

            condVar->WaitLock.Exit();
            if (parker != 0)
            {
                Seam.Unpark(parker);
            }
        }
    }
}
