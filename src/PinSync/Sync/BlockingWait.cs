using System.Runtime.CompilerServices;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// What a blocking wait scope (<see cref="BlockingWait.Wait{TList}"/>) asks of the wait list it waits on. One small
/// struct per list kind (mutex, semaphore, wait queue, condition variable), passed by value so that the scope is
/// specialized for it (no interface call at run time).
/// </summary>
internal unsafe interface IBlockingWaitList
{
    /// <summary>The primitive's address, for scheduling points and deadlock reports.</summary>
    nint Resource { get; }

    /// <summary>The wait's name, for scheduling points and deadlock reports.</summary>
    string Operation { get; }

    /// <summary>Under the list's wait lock: completes without waiting — returns the final state
    /// (<see cref="WaitNodeState.Granted"/>, <see cref="WaitNodeState.Disposed"/>) with nothing linked — or links
    /// <paramref name="node"/> and returns <see cref="WaitNodeState.Waiting"/>.</summary>
    int LinkOrComplete(WaitNode* node);

    /// <summary>Runs right after the link, inside the scope: scheduling points, metrics, a re-check of a condition.
    /// Returns <see langword="true"/> when the wait is over without parking (the scope then leaves the list and reports
    /// <see cref="WaitNodeState.Ready"/>). It may throw: the scope unlinks.</summary>
    bool OnLinked(WaitNode* node);

    /// <summary>Whether the owner must go on parking (the node is still where a waker will find it).</summary>
    bool IsWaiting(WaitNode* node);

    /// <summary>Under the list's wait lock: unlinks <paramref name="node"/> if it is still linked and returns
    /// <see langword="true"/>; <see langword="false"/> when a waker unlinked it first (its state is then final, and
    /// reading it after this call is ordered after the waker's write).</summary>
    bool TryUnlink(WaitNode* node);

    /// <summary>The wait is ending by an exception, but a waker had already settled the node with
    /// <paramref name="state"/> (a grant, a wake): hand it on, so that no permit, lock or wakeup is lost with the
    /// frame. Must not throw.</summary>
    void PassOn(WaitNode* node, int state);
}

/// <summary>
/// The wait scope every blocking wait goes through: link, park, settle — with the settle step in a
/// <see langword="finally"/>, so that a stack node is unlinked before its frame is left on every path, exceptions
/// included (<see cref="ThreadInterruptedException"/> from the park, the explorer or another controller ending a
/// schedule by an exception out of <see cref="Seam.Park"/> or <see cref="Seam.Point"/>, an exception out of the wait
/// queue's condition or a metrics listener). Written once for every list kind; the per-kind parts are an
/// <see cref="IBlockingWaitList"/>.
/// </summary>
/// <remarks>
/// <para>The settle step takes only the wait list's spin lock, which is never interruptible (see
/// <see cref="RawSpinLock"/>), and calls <see cref="IBlockingWaitList.PassOn"/>, which must not throw, so the
/// settle step itself cannot fail halfway.</para>
/// <para>The exception still reaches the caller. A grant that raced with it is passed on (the mutex unlocked, the
/// permit released, the wakeup handed to the next waiter), so the caller, who sees an exception, holds nothing.</para>
/// </remarks>
internal static unsafe class BlockingWait
{
    /// <summary>
    /// Links <paramref name="node"/> on <paramref name="list"/> (or completes at once), parks while it waits, until
    /// the token is canceled or the deadline passes, and returns the final state: <see cref="WaitNodeState.Granted"/>,
    /// <see cref="WaitNodeState.Woken"/>, <see cref="WaitNodeState.Disposed"/> (from a waker, or from
    /// <see cref="IBlockingWaitList.LinkOrComplete"/>), <see cref="WaitNodeState.Ready"/> (from
    /// <see cref="IBlockingWaitList.OnLinked"/>), or <see cref="WaitNodeState.Canceled"/> /
    /// <see cref="WaitNodeState.TimedOut"/> when the owner left the list itself. Never returns or throws while the node
    /// is linked.
    /// </summary>
    /// <remarks><b>Safety:</b> <paramref name="node"/> is the caller's (in its frame, or a node it owns) and not
    /// linked. When this returns or throws, no waker can reach it any more.</remarks>
    internal static int Wait<TList>(TList list, WaitNode* node, long deadline, CancellationToken cancellationToken)
        where TList : struct, IBlockingWaitList
    {
        var state = list.LinkOrComplete(node);
        return state == WaitNodeState.Waiting ? ParkLinked(list, node, deadline, cancellationToken) : state;
    }

    /// <summary>
    /// The scope for a node that is linked already (a condition waiter that was notified onto its mutex's list): parks
    /// while it waits and settles it as <see cref="Wait{TList}"/> does. <see cref="IBlockingWaitList.OnLinked"/> is
    /// not called.
    /// </summary>
    /// <remarks><b>Safety:</b> as for <see cref="Wait{TList}"/>; the node is linked on <paramref name="list"/> or was
    /// settled by a waker of that list.</remarks>
    internal static int ParkLinked<TList>(TList list, WaitNode* node, long deadline, CancellationToken cancellationToken, bool notifyLinked = true)
        where TList : struct, IBlockingWaitList
    {
        var settled = false;
        try
        {
            int state;
            if (notifyLinked && list.OnLinked(node))
            {
                list.TryUnlink(node);
                state = WaitNodeState.Ready;
            }
            else
            {
                // SAFETY: the node is the caller's and alive; wakers write it only under the wait lock, we only read.
                while (list.IsWaiting(node)
                    && !cancellationToken.IsCancellationRequested
                    && Seam.Park(node->Parker, deadline, list.Resource, list.Operation))
                {
                }

                // A false Park return is the timeout: under the explorer it may come before the virtual deadline,
                // which is how timeout-versus-grant races get explored. A grant that raced the timeout or the token
                // wins: the waker unlinked the node first, and its state stands.
                state = list.TryUnlink(node)
                    ? (cancellationToken.IsCancellationRequested ? WaitNodeState.Canceled : WaitNodeState.TimedOut)
                    : Volatile.Read(ref node->State);
            }

            settled = true;
            if (state is WaitNodeState.Canceled or WaitNodeState.TimedOut)
            {
                node->State = state;
                Seam.Point(SchedulingPointKind.Cancel, list.Resource, list.Operation);
            }

            return state;
        }
        finally
        {
            if (!settled)
            {
                Abandon(list, node);
            }
        }
    }

    /// <summary>The settle step of a wait that ends by an exception: leave the list, or pass on what a waker gave.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Abandon<TList>(TList list, WaitNode* node)
        where TList : struct, IBlockingWaitList
    {
        if (list.TryUnlink(node))
        {
            node->State = WaitNodeState.Abandoned;
            return;
        }

        list.PassOn(node, Volatile.Read(ref node->State));
    }
}
