using System.Runtime.CompilerServices;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>The sleeping step every blocking wait shares, so that its one subtle rule lives in one place.</summary>
internal static unsafe class BlockingWait
{
    /// <summary>
    /// Parks the calling thread (or controlled operation) while <paramref name="node"/> is still
    /// <see cref="WaitNodeState.Waiting"/>, until the token is canceled or the deadline passes. A false return of
    /// <see cref="Seam.Park"/> is the timeout: under the explorer it may come before the virtual deadline, which is how
    /// timeout-versus-grant races get explored. Wakeups may be spurious, so the node's state is re-read every time.
    /// </summary>
    /// <remarks><b>Safety:</b> the caller must own <paramref name="node"/> (its stack node, linked by it) and must,
    /// after this returns, settle the node under the wait lock of its list before leaving the frame.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ParkWhileWaiting(WaitNode* node, long deadline, nint resource, string operation, CancellationToken cancellationToken)
    {
        // SAFETY: the node is the caller's and alive; wakers write State under the wait lock, we only read it here.
        while (Volatile.Read(ref node->State) == WaitNodeState.Waiting
            && !cancellationToken.IsCancellationRequested
            && Seam.Park(node->Parker, deadline, resource, operation))
        {
        }
    }
}
