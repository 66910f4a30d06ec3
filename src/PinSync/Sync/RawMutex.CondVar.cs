using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>What a condition variable needs from the mutex: wait morphing and re-acquisition after it.</summary>
public unsafe partial struct RawMutex
{
    /// <summary>
    /// Wait morphing, called by a notifier that holds the condition variable's lock (lock order: condition
    /// variable, then mutex): if the mutex is held, links the notified <paramref name="node"/> onto its wait list, or
    /// for an async waiter with nobody else queued parks it in the notified-waiter slot
    /// (state stays <see cref="WaitNodeState.Waiting"/>) and returns <see langword="false"/> — the waiter sleeps on
    /// until an unlock picks it. Otherwise marks it <see cref="WaitNodeState.Woken"/> to compete for the free mutex
    /// and returns <see langword="true"/>: the caller wakes it after dropping its lock.
    /// </summary>
    internal static bool MorphOrWake(RawMutex* mutex, WaitNode* node)
    {
        // Free (or disposed): the waiter is woken to compete, and neither the list nor HasWaiters is touched, so no
        // lock section is needed (the notify-after-unlock idiom). The node is the notifier's under the condition
        // variable's lock; a locker that takes the mutex right after this read only makes the woken waiter lose its
        // race and re-queue, where that holder's unlock finds it. The state is published last (a blocking waiter reads
        // it without a lock).
        var observed = Volatile.Read(ref mutex->_state);
        if ((observed & Locked) == 0 || (observed & Disposed) != 0)
        {
            node->EnqueuedAt = MorphedEnqueueTime(node);
            Volatile.Write(ref node->State, WaitNodeState.Woken);
            return true;
        }

        // Held with nobody queued and no wake on its way (the notifier holds it, usually): an async waiter waits in the
        // slot for the holder's unlock, with no wait-lock section here or there (RawMutex.NotifiedSlot.cs).
        if (observed == Locked && node->Waiter != 0 && TryParkNotified(mutex, node))
        {
            return false;
        }

        mutex->_waitLock.Enter();

        // Announce a waiter before looking at Locked: an unlock that races with us either sees HasWaiters (and takes
        // the slow path, which needs the wait lock we hold) or released before, and we see the mutex free.
        var state = Interlocked.Or(ref mutex->_state, HasWaiters) | HasWaiters;
        bool wake;
        if ((state & Locked) != 0 && (state & Disposed) == 0)
        {
            node->EnqueuedAt = MorphedEnqueueTime(node);
            LinkLocked(mutex, node, atHead: false);
            wake = false;
        }
        else
        {
            ClearWaitersBitIfEmptyLocked(mutex);
            node->EnqueuedAt = MorphedEnqueueTime(node);
            node->State = WaitNodeState.Woken;
            wake = true;
        }

        mutex->_waitLock.Exit();
        return wake;
    }

    /// <summary>
    /// <see cref="Unlock"/> for a condition wait releasing the mutex: reads the state before the swap. A condition wait
    /// usually releases a mutex with bits besides <see cref="Locked"/> set (a notified waiter morphed onto it, a wake
    /// pending), where Unlock's blind swap would fail and cost a locked instruction for nothing.
    /// </summary>
    internal static void UnlockForWait(RawMutex* mutex)
    {
        Seam.Point(SchedulingPointKind.Release, (nint)mutex, nameof(Unlock));

        // SAFETY: the caller holds the live, pinned mutex (checked by the condition variable).
        mutex->_ownerThreadId = 0;
        if (Volatile.Read(ref mutex->_state) != Locked || Interlocked.CompareExchange(ref mutex->_state, 0, Locked) != Locked)
        {
            UnlockSlow(mutex);
        }
    }

    /// <summary>
    /// When a notified waiter joins the mutex's queue, for the starvation bound: now for a blocking waiter; 0 ("not
    /// yet known") for an async one, whose first wake does not read the clock — it stamps the time only if it loses
    /// that race and re-queues (<see cref="RetryWokenCore"/>), so a notified async waiter's bound counts from its
    /// first lost race. A clock read costs ~30 ns here, a fair share of a condition-variable handoff.
    /// </summary>
    private static long MorphedEnqueueTime(WaitNode* node) =>
        node->Waiter == 0 || PinSyncMetrics.WaitTime.Enabled ? Seam.NowTicks() : 0;

    /// <summary>
    /// A blocking condition waiter that was notified takes the mutex: parks (no timeout, no cancellation: the
    /// notification is consumed and the lock must be re-held on return) until an unlock picks its node, competing
    /// again when woken. Throws <see cref="ObjectDisposedException"/> if the mutex is disposed meanwhile. Every park
    /// is a wait scope: an exception (an interrupt, a controller ending the schedule) leaves with the node unlinked
    /// and a grant that raced with it passed on.
    /// </summary>
    internal static void AcquireAfterNotify(RawMutex* mutex, WaitNode* node)
    {
        // The node is on our list (morphed) or was woken by the notifier; wait until an unlock (or the notifier)
        // settles it. The scope's unlink step also orders us after the waker's writes.
        var state = BlockingWait.ParkLinked(new WaitList(mutex, requeue: false, "CondVar.Wait"), node, Seam.Infinite,
            CancellationToken.None, notifyLinked: false);

        // Woken: compete again, re-queuing at the head (keeping our place) until an unlock grants or wakes us.
        while (state != WaitNodeState.Granted)
        {
            if (state == WaitNodeState.Disposed)
            {
                ThrowHelper.ThrowObjectDisposedException_Mutex();
            }

            state = state == WaitNodeState.Woken && TryLockWoken(mutex)
                ? WaitNodeState.Granted
                : BlockingWait.Wait(new WaitList(mutex, requeue: state == WaitNodeState.Woken, "CondVar.Wait"), node,
                    Seam.Infinite, CancellationToken.None);
        }

        mutex->_ownerThreadId = CurrentThread.Id;
    }

    /// <summary>The async counterpart of <see cref="AcquireAfterNotify"/> for a woken node (<see cref="WaitListOps"/>).</summary>
    internal static int RetryWokenForCondVar(RawMutex* mutex, WaitNode* node) => RetryWokenCore(mutex, node, honorAbandon: false);

    /// <summary>
    /// An async condition wait that ended without a notification (timeout, cancellation, dispose) re-takes the mutex
    /// with the same node: takes it if free, or queues at the tail like any new waiter (it is not cancelable any more:
    /// the wait must end holding the mutex). Returns <see cref="WaitNodeState.Granted"/>,
    /// <see cref="WaitNodeState.Disposed"/> or <see cref="WaitNodeState.Waiting"/> (linked).
    /// </summary>
    internal static int RelockForCondVar(RawMutex* mutex, WaitNode* node)
    {
        if (TryLockFast(mutex))
        {
            return WaitNodeState.Granted;
        }

        mutex->_waitLock.Enter();
        int state;
        if ((mutex->_state & Disposed) != 0)
        {
            state = WaitNodeState.Disposed;
        }
        else if (TryLockLocked(mutex))
        {
            state = WaitNodeState.Granted;
        }
        else
        {
            node->EnqueuedAt = Seam.NowTicks();
            LinkLocked(mutex, node, atHead: false);
            state = WaitNodeState.Waiting;
        }

        mutex->_waitLock.Exit();
        return state;
    }

    /// <summary>
    /// A woken async waiter competes again: takes the mutex, or re-links at the head (keeping its place). With
    /// <paramref name="honorAbandon"/>, a waiter whose timeout or token fired meanwhile is checked under the wait
    /// lock — the only place a late cancellation cannot slip past, since its callback found the node unlinked —
    /// and gives up instead of re-linking, passing the wakeup on. A notified condition waiter never gives up.
    /// </summary>
    private static int RetryWokenCore(RawMutex* mutex, WaitNode* node, bool honorAbandon)
    {
        if (TryLockWoken(mutex))
        {
            return WaitNodeState.Granted;
        }

        if (node->EnqueuedAt == 0)
        {
            node->EnqueuedAt = Seam.NowTicks(); // lost its first race: the starvation bound counts from here
        }

        var waiter = honorAbandon ? AsyncWaiter.FromNode(node) : null;
        mutex->_waitLock.Enter();
        int state;
        if ((mutex->_state & Disposed) != 0)
        {
            state = WaitNodeState.Disposed;
        }
        else if (TryLockLocked(mutex, woken: true))
        {
            state = WaitNodeState.Granted;
        }
        else if (waiter is { IsAbandoned: true })
        {
            ClearWaitersBitIfEmptyLocked(mutex);
            mutex->_waitLock.Exit();
            PassWakeup(mutex);
            return waiter.AbandonState;
        }
        else
        {
            // Lost a race: the next unlocks defer its wake (RawMutex.Deferral.cs), if the mutex's memory has an owner
            // object that the exit check can keep alive.
            node->Flags = waiter?.KeepAlive is not null && s_deferWakes
                ? node->Flags | WaitNodeFlags.DeferWake
                : node->Flags & ~WaitNodeFlags.DeferWake;
            LinkLocked(mutex, node, atHead: true);
            state = WaitNodeState.Waiting;
        }

        mutex->_waitLock.Exit();
        return state;
    }
}
