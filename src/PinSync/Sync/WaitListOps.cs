using PinSync.Intrusive;

namespace PinSync;

/// <summary>
/// What an <see cref="AsyncWaiter"/> asks of the primitive whose wait list it is on. One singleton per primitive
/// kind; <c>primitive</c> is the address of the raw struct (stable: it is pinned, and the waiter keeps its owner
/// alive).
/// </summary>
internal abstract unsafe class WaitListOps
{
    /// <summary>Under the primitive's wait lock: if <paramref name="node"/> is still linked, unlinks it, sets its
    /// state to <paramref name="newState"/> and returns <see langword="true"/> — the caller then owns its
    /// completion. <see langword="false"/> when a waker got there first.</summary>
    internal abstract bool TryUnlink(nint primitive, WaitNode* node, int newState);

    /// <summary>A <see cref="WaitNodeState.Woken"/> waiter competes again: returns <see cref="WaitNodeState.Granted"/>
    /// when it got what it waits for, <see cref="WaitNodeState.Disposed"/>, or <see cref="WaitNodeState.Waiting"/>
    /// when it was linked again (at the head, keeping its place and its enqueue time).</summary>
    internal virtual int RetryWoken(nint primitive, WaitNode* node) => WaitNodeState.Granted;

    /// <summary>A <see cref="WaitNodeState.Woken"/> waiter gives up (timeout, cancellation): passes the wakeup on so
    /// that no other waiter sleeps while the resource is free.</summary>
    internal virtual void AbandonWoken(nint primitive)
    {
    }

    /// <summary>
    /// Settles a <see cref="WaitNodeState.Woken"/> waiter: <paramref name="abandonState"/> is
    /// <see cref="WaitNodeState.Waiting"/>, or the timeout/cancellation state when the wait was abandoned meanwhile.
    /// Returns the final state, or <see cref="WaitNodeState.Waiting"/> when the node was linked again. By default an
    /// abandoned waiter passes the wakeup on and a live one competes again.
    /// </summary>
    internal virtual int ResolveWoken(nint primitive, WaitNode* node, int abandonState)
    {
        if (abandonState != WaitNodeState.Waiting)
        {
            AbandonWoken(primitive);
            return abandonState;
        }

        return RetryWoken(primitive, node);
    }

    /// <summary>A condition wait that ended without a notification re-takes its mutex: returns
    /// <see cref="WaitNodeState.Granted"/>, <see cref="WaitNodeState.Disposed"/>, or <see cref="WaitNodeState.Waiting"/>
    /// when the node was linked on the mutex (an unlock queues the waiter again).</summary>
    internal virtual int Relock(nint primitive, WaitNode* node) =>
        throw new InvalidOperationException($"A {Name} wait has no mutex to re-take.");

    /// <summary>A short name of the primitive kind, for traces (<c>"mutex"</c>).</summary>
    internal abstract string Name { get; }
}
