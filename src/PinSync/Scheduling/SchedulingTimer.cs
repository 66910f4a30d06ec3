using System.ComponentModel;

namespace PinSync.Scheduling;

/// <summary>
/// A one-shot timeout registered through the scheduling seam: the production timer heap or a controller's virtual
/// clock calls <see cref="Fire"/> when it is due. PinSync's async waiters derive from it, so a timed wait allocates
/// no timer of its own.
/// </summary>
/// <remarks>
/// Infrastructure for controllers; not meant for application code. A timer is registered at most once at a time;
/// <see cref="Fire"/> may race with the owner's cancellation of the timer, and the owner resolves that race (for
/// example by a compare-and-swap on its own state).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class SchedulingTimer
{
    /// <summary>Where the timer sits in the production heap, or -1 when it is not registered there. Guarded by the
    /// heap's lock.</summary>
    internal int HeapIndex = -1;

    /// <summary>The due time in seam ticks while registered. Guarded by the heap's lock.</summary>
    internal long DueTicks;

    /// <summary>The controller the timer is registered with, or <see langword="null"/> for the production heap.
    /// Written by the registering thread before registration.</summary>
    internal SchedulingController? Controller;

    /// <summary>Runs the timer's action: called once per registration that was not cancelled first.</summary>
    public void Fire() => OnFire();

    /// <summary>The action of the timer. Runs on a timer thread (production) or as a controlled operation.</summary>
    protected abstract void OnFire();

    /// <summary>A name for traces: what this timer belongs to.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => GetType().Name;
}
