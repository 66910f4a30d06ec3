using System.Runtime.CompilerServices;

namespace PinSync.Scheduling;

/// <summary>
/// Scheduling points for user code that builds its own primitives on PinSync: places where, under the explorer,
/// another operation may run. In production both methods are (nearly) free.
/// </summary>
/// <remarks>Thread-safe: every member may be called from any thread.</remarks>
public static class SchedulingPoint
{
    /// <summary>
    /// Marks a point where another operation may run, for example between reading and writing shared state. Under
    /// the explorer, the strategy may switch to another operation here; in production this does nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave() => Seam.Point(SchedulingPointKind.Interleave, 0, null);

    /// <summary>
    /// Marks one iteration of a spin loop that waits for another thread to make progress. Under the explorer the
    /// current operation is deprioritized, so a spin loop never looks like a livelock; in production this is a
    /// processor spin hint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Yield()
    {
        if (!Seam.TryPoint(SchedulingPointKind.Yield, 0, null))
        {
            Thread.SpinWait(1);
        }
    }
}
