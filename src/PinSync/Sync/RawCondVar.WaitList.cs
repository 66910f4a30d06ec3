using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>The condition variable's list as a blocking wait scope sees it (<see cref="BlockingWait"/>).</summary>
public unsafe partial struct RawCondVar
{
    /// <summary>
    /// A blocking condition waiter: linked on the condition variable's list, then the mutex is released (in
    /// <see cref="OnLinked"/>, inside the scope: a notify issued after the release cannot miss the node). The node is
    /// waiting while it carries <see cref="WaitNodeFlags.CondVar"/>; a notifier clears the flag (and sets
    /// <see cref="WaitNodeFlags.Notified"/>) as it moves the node on, so <see cref="PassOn"/> has nothing to do: the
    /// caller re-takes the mutex through the node either way.
    /// </summary>
    private readonly struct WaitList : IBlockingWaitList
    {
        private readonly RawCondVar* _condVar;
        private readonly RawMutex* _mutex;
        private readonly bool* _released;

        internal WaitList(RawCondVar* condVar, RawMutex* mutex, bool* released)
        {
            _condVar = condVar;
            _mutex = mutex;
            _released = released;
        }

        public nint Resource => (nint)_condVar;

        public string Operation => "CondVar.Wait";

        public int LinkOrComplete(WaitNode* node)
        {
            // SAFETY: live, pinned condition variable; its list is only touched under its wait lock.
            _condVar->_waitLock.Enter();
            if (_condVar->_disposed != 0)
            {
                _condVar->_waitLock.Exit();
                return WaitNodeState.Disposed;
            }

            node->EnqueuedAt = Seam.NowTicks();
            node->Queue = (nint)(&_condVar->_waitLock);
            node->State = WaitNodeState.Waiting;
            WaitListCheck.BeforeLink(&_condVar->_waitLock, &_condVar->_waiters, "RawCondVar", _condVar);
            ListHead.AddTail(&_condVar->_waiters, &node->Link);
            _condVar->_waiterCount++;
            _condVar->_waitLock.Exit();
            return WaitNodeState.Waiting;
        }

        public bool OnLinked(WaitNode* node)
        {
            // The point comes before the release: if a controller ends the schedule there, the mutex is still held
            // and nothing is to be re-taken. From the release on, the caller re-takes it on every exit.
            Seam.Point(SchedulingPointKind.Release, (nint)_mutex, "Unlock");
            *_released = true;
            RawMutex.ReleaseNoPoint(_mutex);
            Seam.Point(SchedulingPointKind.Wait, (nint)_condVar, "CondVar.Wait");
            return false;
        }

        public bool IsWaiting(WaitNode* node) => (Volatile.Read(ref node->Flags) & WaitNodeFlags.CondVar) != 0;

        public bool TryUnlink(WaitNode* node)
        {
            _condVar->_waitLock.Enter();
            var linked = (node->Flags & WaitNodeFlags.CondVar) != 0;
            if (linked)
            {
                WaitListCheck.BeforeUnlink(&_condVar->_waitLock, &node->Link, "RawCondVar", _condVar);
                ListHead.Remove(&node->Link);
                _condVar->_waiterCount--;
                node->Flags &= ~WaitNodeFlags.CondVar;
            }

            _condVar->_waitLock.Exit();
            return linked;
        }

        public void PassOn(WaitNode* node, int state)
        {
        }
    }
}
