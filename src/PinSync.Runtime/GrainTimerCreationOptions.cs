using System.Diagnostics.CodeAnalysis;

namespace PinSync.Runtime;

/// <summary>How a grain timer ticks (Orleans' <c>GrainTimerCreationOptions</c>, same members and defaults).</summary>
public readonly struct GrainTimerCreationOptions
{
    /// <summary>Creates options with <paramref name="dueTime"/> and <paramref name="period"/>.</summary>
    /// <param name="dueTime">Delay before the first tick; <see cref="Timeout.InfiniteTimeSpan"/> to not start yet.</param>
    /// <param name="period">Delay between the end of a tick and the next; <see cref="Timeout.InfiniteTimeSpan"/> for
    /// one tick.</param>
    [SetsRequiredMembers]
    public GrainTimerCreationOptions(TimeSpan dueTime, TimeSpan period)
    {
        DueTime = dueTime;
        Period = period;
    }

    /// <summary>Delay before the first tick; <see cref="Timeout.InfiniteTimeSpan"/> to not start until
    /// <see cref="IGrainTimer.Change"/>.</summary>
    public required TimeSpan DueTime { get; init; }

    /// <summary>Delay between the end of a tick and the next; <see cref="Timeout.InfiniteTimeSpan"/> for one tick.</summary>
    public required TimeSpan Period { get; init; }

    /// <summary>Ticks interleave with requests (like an <see cref="AlwaysInterleaveAttribute"/> method). Default
    /// <see langword="false"/>: a tick waits its turn like a request (a <see cref="ReentrantAttribute"/> grain
    /// interleaves it anyway).</summary>
    public bool Interleave { get; init; }

    /// <summary>Ticks count as activity: the activation is not idle-collected while the timer ticks more often than
    /// <see cref="GrainRuntimeOptions.CollectionAge"/>. Default <see langword="false"/>.</summary>
    public bool KeepAlive { get; init; }
}
