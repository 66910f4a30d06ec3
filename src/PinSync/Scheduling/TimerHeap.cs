using PinSync.Internal;
using System.Diagnostics;

namespace PinSync.Scheduling;

/// <summary>
/// The one timer of the process behind every timed async wait: a binary min-heap of <see cref="SchedulingTimer"/>s
/// ordered by due time, with a single <see cref="Timer"/> armed for the earliest. A timed wait costs a heap insert
/// and (when granted first) a heap removal, and allocates nothing once the heap array has grown to its high-water
/// mark.
/// </summary>
/// <remarks>
/// Implementation notes. Each timer stores its own heap index, so cancellation is O(log n) and eager: a granted wait
/// leaves nothing behind. The system timer is re-armed only when the earliest due time moves earlier (a new
/// registration at the top) or when it fires; with a constant timeout every new registration lands below the top,
/// so steady state never touches the system timer. Expired timers are popped one at a time under the lock and fired
/// outside it, so a timer's action may register or cancel other timers.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A process-lifetime singleton; its timer lives as long as the process.")]
internal sealed class TimerHeap
{
    internal static readonly TimerHeap Shared = new();

    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private SchedulingTimer[] _heap = new SchedulingTimer[16];
    private int _count;

    // The due time the system timer is armed for, in seam ticks; long.MaxValue when disarmed. Guarded by _lock.
    private long _armedFor = long.MaxValue;

    private TimerHeap() =>
        _timer = new Timer(static state => ((TimerHeap)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);

    /// <summary>The number of registered timers (diagnostics and tests).</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    internal void Register(SchedulingTimer timer, long dueTicks)
    {
        // Uninterruptible: a wait arms its timeout after linking its node, and a completion cancels it mid-grant.
        var interrupted = Uninterruptible.Enter(_lock);
        try
        {
            Debug.Assert(timer.HeapIndex < 0, "A timer is registered once at a time.");
            if (_count == _heap.Length)
            {
                Array.Resize(ref _heap, _count * 2);
            }

            timer.DueTicks = dueTicks;
            _heap[_count] = timer;
            timer.HeapIndex = _count;
            SiftUp(_count++);
            if (dueTicks < _armedFor)
            {
                ArmLocked(dueTicks);
            }
        }
        finally
        {
            _lock.Exit();
            Uninterruptible.Restore(interrupted);
        }
    }

    internal bool Cancel(SchedulingTimer timer)
    {
        var interrupted = Uninterruptible.Enter(_lock);
        try
        {
            var index = timer.HeapIndex;
            if (index < 0)
            {
                return false;
            }

            Debug.Assert(ReferenceEquals(_heap[index], timer), "Heap index out of step.");
            RemoveAtLocked(index);

            // Leave the system timer armed for a removed top: one early, empty firing is cheaper than re-arming
            // on every cancellation.
            return true;
        }
        finally
        {
            _lock.Exit();
            Uninterruptible.Restore(interrupted);
        }
    }

    private void OnTimer()
    {
        while (true)
        {
            SchedulingTimer due;
            lock (_lock)
            {
                _armedFor = long.MaxValue;
                if (_count == 0)
                {
                    return;
                }

                var now = Seam.ProductionNowTicks();
                if (_heap[0].DueTicks > now)
                {
                    ArmLocked(_heap[0].DueTicks);
                    return;
                }

                due = _heap[0];
                RemoveAtLocked(0);
            }

            // Outside the lock: the action may take other locks and register or cancel timers.
            due.Fire();
        }
    }

    private void ArmLocked(long dueTicks)
    {
        _armedFor = dueTicks;
        var delayTicks = Math.Max(0, dueTicks - Seam.ProductionNowTicks());
        var delayMs = (long)Math.Min(uint.MaxValue - 2, (delayTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
        _timer.Change(delayMs, Timeout.Infinite);
    }

    private void RemoveAtLocked(int index)
    {
        var removed = _heap[index];
        removed.HeapIndex = -1;
        var last = --_count;
        if (index != last)
        {
            _heap[index] = _heap[last];
            _heap[index].HeapIndex = index;
            _heap[last] = null!;
            SiftDown(index);
            SiftUp(index);
        }
        else
        {
            _heap[last] = null!;
        }
    }

    private void SiftUp(int index)
    {
        var item = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) >> 1;
            if (_heap[parent].DueTicks <= item.DueTicks)
            {
                break;
            }

            _heap[index] = _heap[parent];
            _heap[index].HeapIndex = index;
            index = parent;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        var item = _heap[index];
        while (true)
        {
            var child = (2 * index) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && _heap[child + 1].DueTicks < _heap[child].DueTicks)
            {
                child++;
            }

            if (_heap[child].DueTicks >= item.DueTicks)
            {
                break;
            }

            _heap[index] = _heap[child];
            _heap[index].HeapIndex = index;
            index = child;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }
}
