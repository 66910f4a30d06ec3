using System.Runtime.CompilerServices;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// How long a pending wake has been on its way, for the overdue-wake check of <see cref="RawMutex"/> and
/// <see cref="RawSemaphore"/> (see RawMutex.Overdue.cs): the releases since the wake was issued, and the handoff clock
/// at the first check (0: not read yet). Lives inside the primitive's pinned memory.
/// </summary>
/// <remarks>Written by the waker (under the primitive's wait lock) and by releasers, without atomics: a lost update
/// only moves a check by one release or restarts the clock, which delays the bound by at most one more check
/// interval. Nothing but that bound depends on these fields.</remarks>
internal struct WakeClock
{
    /// <summary>Releases during a pending wake between two reads of the handoff clock (every release under a
    /// controller, so that the explorer reaches the overdue state in a few steps of virtual time).</summary>
    internal const int CheckInterval = 16;

    private int _releases;
    private long _since;

    /// <summary>A wake was just issued: its clock starts at the next check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Start()
    {
        _releases = 0;
        _since = 0;
    }

    /// <summary>A release while the wake is pending: whether it has been pending for the starvation bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsOverdue()
    {
        if (++_releases < CheckInterval && !Seam.ControlEnabled)
        {
            return false;
        }

        return Check();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Check()
    {
        if (!RawMutex.s_overdueWakes)
        {
            return false;
        }

        _releases = 0;
        var now = RawMutex.HandoffClock();
        var since = _since;
        if (since == 0)
        {
            _since = Math.Max(now, 1); // 0 means "not read yet" (virtual time may start at 0)
            return false;
        }

        return now - since >= RawMutex.StarvationThresholdTicks;
    }
}
