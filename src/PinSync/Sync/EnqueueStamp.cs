using System.Runtime.CompilerServices;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// When an async mutex or semaphore waiter's starvation bound starts (<see cref="WaitNode.EnqueuedAt"/>): the
/// waiting thread's handoff clock (<see cref="RawMutex.HandoffClock"/>, the per-thread cache of the precise clock that
/// unlocks read) as it queues, not a precise read.
/// </summary>
/// <remarks>
/// <para>Why: <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> costs about 25 ns here (measured, TSC clock
/// source; <see cref="Environment.TickCount64"/> about 7 ns), once per queued wait. In a <see cref="PinnedSemaphore"/>
/// ping-pong between two tasks (one queued wait per handoff) the precise stamp cost 11 % of the round trip
/// (interleaved <c>--ab-pingpong</c>: 486–516 against 431–462 ns on a noisy machine).</para>
/// <para>What it changes: the cache is never ahead of the real time, so a stamp is never later than the arrival and
/// the bound is never late because of it; it may be early by the cache's lag on the waiting thread (at most seven
/// reads on that thread or one kernel tick): a waiter from a thread that rarely touches a lock may then be handed over
/// to sooner than <see cref="RawMutex.StarvationThreshold"/>. That only trades a little throughput for fairness. Under
/// a controller the cache is not used, so virtual-time tests see exact stamps. Blocking waiters read the precise clock
/// (they park anyway); a wait observed by the wait-time histogram is stamped precisely by <see cref="AsyncWaiter"/>
/// and keeps that stamp.</para>
/// </remarks>
internal static unsafe class EnqueueStamp
{
    // Experiment switch for interleaved A/B runs (PinSync.Bench --ab --variant eager-stamp): false = every async wait
    // reads the precise clock as it queues, as before.
    internal static volatile bool s_cached = true;

    /// <summary>An async waiter about to link (before the wait lock): stamps its arrival unless the histogram's
    /// precise stamp is there already.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AtEnqueue(WaitNode* node)
    {
        if (node->EnqueuedAt == 0)
        {
            // 0 means "not stamped" to the unlock's handoff check (virtual time may start at 0).
            node->EnqueuedAt = Math.Max(s_cached ? RawMutex.HandoffClock() : Seam.NowTicks(), 1);
        }
    }

    /// <summary>Tests only: the stamp of the first node on <paramref name="waiters"/>, or -1 when the list is empty.</summary>
    internal static long OfHead(RawSpinLock* waitLock, ListHead* waiters)
    {
        waitLock->Enter();
        var first = ListHead.First(waiters);

        // SAFETY: Link is the first field of WaitNode, so the first entry is the node; it is linked, hence alive, while
        // we hold the list's wait lock (its owner cannot leave before it is unlinked under that lock).
        var stamp = first is null ? -1 : ((WaitNode*)first)->EnqueuedAt;
        waitLock->Exit();
        return stamp;
    }
}
