using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>The mutex's wait list as a blocking wait scope sees it (<see cref="BlockingWait"/>).</summary>
public unsafe partial struct RawMutex
{
    /// <summary>
    /// A blocking waiter on the mutex's list. <see cref="_requeue"/>: a woken waiter that lost its race goes back to
    /// the head, keeping its place, and clears the pending wake as it goes (see <see cref="TryLockLocked"/>).
    /// </summary>
    private readonly struct WaitList : IBlockingWaitList
    {
        private readonly RawMutex* _mutex;
        private readonly bool _requeue;
        private readonly string _operation;

        internal WaitList(RawMutex* mutex, bool requeue, string operation)
        {
            _mutex = mutex;
            _requeue = requeue;
            _operation = operation;
        }

        public nint Resource => (nint)_mutex;

        public string Operation => _operation;

        public int LinkOrComplete(WaitNode* node)
        {
            // SAFETY: the caller passes a live, pinned mutex; the list is only touched under its wait lock.
            _mutex->_waitLock.Enter();
            int state;
            if ((_mutex->_state & Disposed) != 0)
            {
                state = WaitNodeState.Disposed;
            }
            else if (TryLockLocked(_mutex, woken: _requeue))
            {
                state = WaitNodeState.Granted;
            }
            else
            {
                if (_requeue)
                {
                    node->Flags |= WaitNodeFlags.LostWakeup;
                }

                LinkLocked(_mutex, node, atHead: _requeue);
                state = WaitNodeState.Waiting;
            }

            _mutex->_waitLock.Exit();
            return state;
        }

        public bool OnLinked(WaitNode* node)
        {
            if (!_requeue)
            {
                PinSyncMetrics.RecordContended(s_ops.Name);
            }

            Seam.Point(SchedulingPointKind.Enqueue, (nint)_mutex, _operation);
            return false;
        }

        public bool IsWaiting(WaitNode* node) => Volatile.Read(ref node->State) == WaitNodeState.Waiting;

        public bool TryUnlink(WaitNode* node)
        {
            _mutex->_waitLock.Enter();
            var unlinked = UnlinkLocked(_mutex, node);
            _mutex->_waitLock.Exit();
            return unlinked;
        }

        public void PassOn(WaitNode* node, int state) => PassOnGrant(_mutex, state);
    }

    /// <summary>
    /// A blocking waiter leaves by an exception holding what an unlock gave it: a handoff (<see cref="WaitNodeState.Granted"/>:
    /// the mutex is its) is released, a wake (<see cref="WaitNodeState.Woken"/>) passed to the next waiter. Never
    /// throws; no scheduling point (it runs while a controller may be ending the schedule).
    /// </summary>
    private static void PassOnGrant(RawMutex* mutex, int state)
    {
        if (state == WaitNodeState.Granted)
        {
            ReleaseNoPoint(mutex);
        }
        else if (state == WaitNodeState.Woken)
        {
            PassWakeup(mutex);
        }
    }

    /// <summary><see cref="Unlock"/> without its scheduling point: for settle steps that run while an exception
    /// unwinds.</summary>
    internal static void ReleaseNoPoint(RawMutex* mutex)
    {
        mutex->_ownerThreadId = 0;
        if (Interlocked.CompareExchange(ref mutex->_state, 0, Locked) != Locked)
        {
            UnlockSlow(mutex);
        }
    }

    /// <summary>The caller got the mutex from a wait: takes ownership and records the wait; a throwing metrics
    /// listener releases the mutex again before its exception reaches the caller.</summary>
    private static void TakeOwnership(RawMutex* mutex, long enqueuedAt)
    {
        mutex->_ownerThreadId = CurrentThread.Id;
        try
        {
            PinSyncMetrics.RecordWait(s_ops.Name, enqueuedAt);
        }
        catch
        {
            ReleaseNoPoint(mutex);
            throw;
        }
    }
}
