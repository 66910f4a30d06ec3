using PinSync.Scheduling;

namespace PinSync.Testing.Engine;

/// <summary>A timeout waiting on the virtual clock: a registered <see cref="SchedulingTimer"/> or the deadline of
/// a timed park.</summary>
internal sealed class PendingTimer
{
    internal PendingTimer(long dueTicks, int sequence, SchedulingTimer? timer, Operation? parked)
    {
        DueTicks = dueTicks;
        Sequence = sequence;
        Timer = timer;
        Parked = parked;
    }

    /// <summary>When it is due, in seam ticks.</summary>
    internal long DueTicks { get; }

    /// <summary>Registration order: breaks ties between equal due times, and names the timer in traces (T1, T2…).</summary>
    internal int Sequence { get; }

    /// <summary>The timer to fire, or <see langword="null"/> for a park timeout.</summary>
    internal SchedulingTimer? Timer { get; }

    /// <summary>The parked operation whose deadline this is, or <see langword="null"/>.</summary>
    internal Operation? Parked { get; }

    /// <summary>Whether this one is due before <paramref name="other"/>.</summary>
    internal bool IsBefore(PendingTimer other) =>
        DueTicks < other.DueTicks || (DueTicks == other.DueTicks && Sequence < other.Sequence);
}
