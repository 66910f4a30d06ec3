using PinSync.Scheduling;

namespace PinSync.Tests.Testing.Toys;

/// <summary>
/// A tiny blocking lock built directly on the internal seam (park/unpark, timed park), to test the explorer without
/// the real primitives. Implementation notes: state under a <see cref="Lock"/> (never held across a seam call); a
/// FIFO of parker ids; <see cref="Exit"/> clears the owner flag and unparks the first waiter, which re-checks (it may
/// lose to a barger and queue again). A timed wait that times out leaves the queue.
/// </summary>
internal sealed class ToyLock
{
    private static int s_nextId;

    private readonly Lock _state = new();
    private readonly LinkedList<int> _waiters = new();
    private readonly nint _id = Interlocked.Increment(ref s_nextId) * 16;
    private bool _held;

    /// <summary>The number of queued waiters (tests check cleanup).</summary>
    internal int WaiterCount
    {
        get
        {
            lock (_state)
            {
                return _waiters.Count;
            }
        }
    }

    internal void Enter() => TryEnterCore(Seam.Infinite);

    internal bool TryEnter(TimeSpan timeout) => TryEnterCore(Seam.NowTicks() + timeout.Ticks);

    internal void Exit()
    {
        Seam.Point(SchedulingPointKind.Release, _id, "ExitLock");
        int parker;
        lock (_state)
        {
            _held = false;
            if (_waiters.First is not { } first)
            {
                return;
            }

            parker = first.Value;
            _waiters.RemoveFirst();
        }

        Seam.Unpark(parker);
    }

    private bool TryEnterCore(long deadline)
    {
        Seam.Point(SchedulingPointKind.Acquire, _id, "EnterLock");
        var parker = Seam.CurrentParker();
        while (true)
        {
            LinkedListNode<int> node;
            lock (_state)
            {
                if (!_held)
                {
                    _held = true;
                    return true;
                }

                node = _waiters.AddLast(parker);
            }

            if (!Seam.Park(parker, deadline, _id, "EnterLock"))
            {
                lock (_state)
                {
                    if (node.List is not null)
                    {
                        _waiters.Remove(node);
                        return false;
                    }
                }

                // Unparked in the same instant as the timeout: the wake-up counts, try again.
            }
        }
    }
}
