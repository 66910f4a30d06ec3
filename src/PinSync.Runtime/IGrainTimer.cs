namespace PinSync.Runtime;

/// <summary>A grain timer (Orleans' <c>IGrainTimer</c>), returned by <see cref="Grain.RegisterGrainTimer(Func{CancellationToken, Task}, GrainTimerCreationOptions)"/>:
/// dispose it to stop it, or change when it ticks.</summary>
/// <remarks><see cref="IDisposable.Dispose"/> may be called from any thread; <see cref="Change"/> from the grain's own
/// turns.</remarks>
public interface IGrainTimer : IDisposable
{
    /// <summary>Re-schedules the timer: the next tick after <paramref name="dueTime"/> (after the running tick, if one
    /// runs), then every <paramref name="period"/>.</summary>
    /// <param name="dueTime">Delay before the next tick; <see cref="Timeout.InfiniteTimeSpan"/> pauses the timer.</param>
    /// <param name="period">Delay between ticks; <see cref="Timeout.InfiniteTimeSpan"/> for no further tick.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative time other than <see cref="Timeout.InfiniteTimeSpan"/>,
    /// or a zero period.</exception>
    /// <exception cref="ObjectDisposedException">The timer was disposed.</exception>
    /// <exception cref="InvalidOperationException">Not called from a turn of the timer's grain.</exception>
    void Change(TimeSpan dueTime, TimeSpan period);
}
