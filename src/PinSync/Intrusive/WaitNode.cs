using System.Runtime.InteropServices;
using PinSync.Pinning;

namespace PinSync.Intrusive;

/// <summary>
/// A waiter in a primitive's wait list: on the waiting thread's stack for blocking waits, in a slab node (native
/// memory) for awaited waits. <see cref="Link"/> is the first field, so a <see cref="ListHead"/>* taken from a wait
/// list converts back to its <see cref="WaitNode"/>* with a cast (container-of at offset 0).
/// </summary>
/// <remarks>
/// Every field may only be read or written while the lock of the wait list the node is linked on (or was last
/// linked on) is held — except by the node's owner before it links the node and after it has seen the node
/// unlinked under that lock. The rule that keeps stack nodes safe: a waker writes the node only under the wait lock
/// and copies what it needs (<see cref="Parker"/>, <see cref="Waiter"/>) before dropping it; the owner never returns
/// (nor frees a slab node) before it has observed, under the same lock, that the node is unlinked.
/// </remarks>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
internal struct WaitNode
{
    /// <summary>The list link. Detached (both pointers null) when the node is in no list.</summary>
    internal ListHead Link;

    /// <summary>One of the <see cref="WaitNodeState"/> values.</summary>
    internal int State;

    /// <summary>Blocking waits: the parker id of the waiting thread or operation; 0 for async waits.</summary>
    internal int Parker;

    /// <summary>Async waits: the GC handle (as an integer) of the <c>AsyncWaiter</c> that owns this node; 0 for
    /// blocking waits.</summary>
    internal nint Waiter;

    /// <summary>Bit flags, <see cref="WaitNodeFlags"/>.</summary>
    internal int Flags;

    /// <summary>A count the waiter asks for (semaphore permits), 1 otherwise.</summary>
    internal int Count;

    /// <summary>When the waiter first joined the list, in seam ticks (the starvation bound counts from here).</summary>
    internal long EnqueuedAt;

    /// <summary>The <c>RawSpinLock</c>* guarding the list the node is on; a condition variable's wait morphing moves
    /// the node to a mutex's list and updates it under both locks.</summary>
    internal nint Queue;

    /// <summary>Primitive-specific: the mutex a condition-variable waiter must re-take.</summary>
    internal nint Tag;
}

/// <summary>The values of <see cref="WaitNode.State"/>.</summary>
internal static class WaitNodeState
{
    /// <summary>Linked, waiting.</summary>
    internal const int Waiting = 0;

    /// <summary>Unlinked by a waker that handed over what was waited for (the lock itself, a permit, a
    /// notification): the waiter owns it and reports success.</summary>
    internal const int Granted = 1;

    /// <summary>Unlinked by a mutex unlock that released the lock and asks the waiter to compete for it again.</summary>
    internal const int Woken = 2;

    /// <summary>Unlinked by its own timeout.</summary>
    internal const int TimedOut = 3;

    /// <summary>Unlinked by its cancellation token.</summary>
    internal const int Canceled = 4;

    /// <summary>Unlinked by the primitive's <c>Dispose</c>.</summary>
    internal const int Disposed = 5;

    /// <summary>Unlinked by its owner, whose wait ended by an exception (an interrupt, a controller ending the
    /// schedule, a throwing condition). Set by the wait scope only, never seen by wakers.</summary>
    internal const int Abandoned = 6;

    /// <summary>A wait scope's result, never a node's state: the wait was over right after the link (a wait queue's
    /// condition was true), and the owner left the list.</summary>
    internal const int Ready = 7;
}

/// <summary>The bits of <see cref="WaitNode.Flags"/>.</summary>
internal static class WaitNodeFlags
{
    /// <summary>An exclusive wait-queue waiter (one is woken by <c>WakeOne</c>).</summary>
    internal const int Exclusive = 1;

    /// <summary>The node is waiting for a condition variable's notification (not yet moved to the mutex).</summary>
    internal const int CondVar = 2;

    /// <summary>A blocking mutex waiter that was woken and lost the race to a barging newcomer: the next unlock hands
    /// the mutex to it directly.</summary>
    internal const int LostWakeup = 4;

    /// <summary>A blocking condition waiter was taken off the condition variable's list by a notification (not by
    /// <c>Dispose</c>): it must re-take the mutex through the node, which may now be on the mutex's list.</summary>
    internal const int Notified = 8;

    /// <summary>An async mutex waiter (of a mutex with an owner object) that lost the race it was woken for: while it
    /// is the head, an unlock that does not hand the mutex over only releases and leaves the wake to the releasing
    /// thread's exit check (a work item), so a releaser that re-takes the mutex at once does not wake it for nothing
    /// again. The check wakes the head if the mutex is still free and clears the flag (see RawMutex.Deferral.cs).</summary>
    internal const int DeferWake = 16;
}
