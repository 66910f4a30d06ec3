namespace PinSync.Scheduling;

/// <summary>
/// What happens at a scheduling point. A controlled scheduler (the explorer) uses it to decide who runs next and to
/// write a readable trace; in production the kinds cost nothing (model: Coyote <c>SchedulingPointType</c>).
/// </summary>
public enum SchedulingPointKind
{
    /// <summary>A point placed by user code with <see cref="SchedulingPoint.Interleave"/>: another operation may run.</summary>
    Interleave = 0,

    /// <summary>An iteration of a spin loop: the current operation waits for another to make progress, so a controller
    /// should prefer to run someone else (this is how spin loops avoid false livelocks).</summary>
    Yield = 1,

    /// <summary>Before an attempt to take a lock or a permit (the compare-and-swap of a fast path).</summary>
    Acquire = 2,

    /// <summary>Before a lock or a permit is given back.</summary>
    Release = 3,

    /// <summary>A waiter has been linked into a wait list.</summary>
    Enqueue = 4,

    /// <summary>A waiter has been granted what it waited for (a lock, a permit, a notification) and is being woken.</summary>
    Wake = 5,

    /// <summary>The current operation is about to block or to await a waiter.</summary>
    Wait = 6,

    /// <summary>A condition variable or wait queue is notified.</summary>
    Notify = 7,

    /// <summary>A waiter leaves its wait list because of a timeout, a cancellation or a dispose.</summary>
    Cancel = 8,

    /// <summary>A primitive or a runtime object is created or disposed.</summary>
    Lifecycle = 9,

    /// <summary>A message or work item is handed to another operation (the actor runtime's dispatch).</summary>
    Dispatch = 10,
}
