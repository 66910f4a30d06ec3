using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Awaited waits: the node lives in the slab and follows the notification onto the mutex's list.</summary>
public unsafe partial struct RawCondVar
{
    private static readonly CondVarOps s_ops = new();

    /// <summary>
    /// Starts an awaited wait: links a waiter and releases <paramref name="mutex"/>. Returns the queued waiter; it
    /// completes holding the mutex again, after <paramref name="relock"/> restored acquisition
    /// <paramref name="relockToken"/>: <see langword="true"/> when notified, <see langword="false"/> on timeout, or an
    /// exception (cancellation, dispose of the condition variable; also of the mutex, which is then not held).
    /// Returns <see langword="null"/> when the wait ended before it was queued, with <paramref name="early"/> the
    /// timeout or cancellation state; the mutex is then still held.
    /// </summary>
    internal static AsyncWaiter? WaitAsyncCore(RawCondVar* condVar, RawMutex* mutex, long deadline, object? keepAlive,
        IMutexRelock relock, uint relockToken, out int early, CancellationToken cancellationToken)
    {
        if (!mutex->IsLocked)
        {
            ThrowHelper.ThrowSynchronizationLockException_CondVarWaitWithoutLock();
        }

        if (cancellationToken.IsCancellationRequested)
        {
            early = WaitNodeState.Canceled;
            return null;
        }

        var waiter = AsyncWaiter.Rent();
        // The CondVar flag means "linked on this condition variable" and is set only under its lock, when linked:
        // a cancellation or timeout that fires before that finds it clear and leaves the node alone.
        var node = waiter.Begin(s_ops, (nint)condVar, keepAlive, deadline, cancellationToken);
        waiter.BeginRelock(relock, relockToken);

        // SAFETY: the node is rented and detached; it is ours until linked.
        node->Tag = (nint)mutex;

        condVar->_waitLock.Enter();
        var disposed = condVar->_disposed != 0;
        if (disposed || waiter.IsAbandoned)
        {
            condVar->_waitLock.Exit();
            early = disposed ? WaitNodeState.Disposed : waiter.AbandonState;
            waiter.Abort();
            if (disposed)
            {
                ThrowHelper.ThrowObjectDisposedException_Named(SR.CondVarName);
            }

            return null;
        }

        node->Queue = (nint)(&condVar->_waitLock);
        node->Flags |= WaitNodeFlags.CondVar;
        WaitListCheck.BeforeLink(&condVar->_waitLock, &condVar->_waiters, "RawCondVar", condVar);
        ListHead.AddTail(&condVar->_waiters, &node->Link);
        condVar->_waiterCount++;
        condVar->_waitLock.Exit();

        // Linked before the release: a notify issued after the release cannot miss us.
        RawMutex.UnlockForWait(mutex);
        Seam.Point(SchedulingPointKind.Wait, (nint)condVar, "CondVar.WaitAsync");
        early = WaitNodeState.Waiting;
        return waiter;
    }

    /// <summary>The condition variable's side of the async waiter protocol.</summary>
    private sealed class CondVarOps : WaitListOps
    {
        internal override string Name => SR.CondVarName;

        /// <summary>Unlinks only a node still waiting for a notification; a notified node belongs to its mutex now,
        /// and its timeout or cancellation no longer applies.</summary>
        internal override bool TryUnlink(nint primitive, WaitNode* node, int newState)
        {
            var condVar = (RawCondVar*)primitive;
            condVar->_waitLock.Enter();
            var onOurList = (node->Flags & WaitNodeFlags.CondVar) != 0;
            if (onOurList)
            {
                // Only then is the node's link ours to read: a notified node is on its mutex's list, under that lock.
                WaitListCheck.BeforeUnlink(&condVar->_waitLock, &node->Link, "RawCondVar", condVar);
            }

            var unlinked = onOurList && ListHead.Remove(&node->Link);
            if (unlinked)
            {
                condVar->_waiterCount--;
                node->Flags &= ~WaitNodeFlags.CondVar;
                node->State = newState;
            }

            condVar->_waitLock.Exit();
            return unlinked;
        }

        /// <summary>A notified waiter woken to compete for its mutex never gives up: it must end holding it.</summary>
        internal override int ResolveWoken(nint primitive, WaitNode* node, int abandonState) =>
            RawMutex.RetryWokenForCondVar((RawMutex*)node->Tag, node);

        /// <summary>A wait that ended without a notification re-takes its mutex with the same node.</summary>
        internal override int Relock(nint primitive, WaitNode* node) => RawMutex.RelockForCondVar((RawMutex*)node->Tag, node);
    }
}
