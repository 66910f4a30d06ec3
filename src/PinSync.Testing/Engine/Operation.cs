using PinSync.Scheduling;

namespace PinSync.Testing.Engine;

/// <summary>
/// One logical operation of an iteration: the body, a spawned function, a continuation, a work item or a timer
/// firing. Exactly one operation runs at a time; the others wait for their turn on their worker thread (once
/// started) or in the runtime's live list (before).
/// </summary>
/// <remarks>
/// Every field is read and written only by the thread that holds the baton (the one running operation, or the
/// driver before the first operation starts), so none needs synchronization: the hand-off through the worker's gate
/// orders all accesses.
/// </remarks>
internal sealed class Operation
{
    internal Operation(ExplorerRuntime runtime, int id, OperationKind kind)
    {
        Runtime = runtime;
        Id = id;
        Kind = kind;
    }

    /// <summary>The runtime (run) the operation belongs to.</summary>
    internal ExplorerRuntime Runtime { get; }

    /// <summary>1-based, in creation order within the iteration: stable across runs of the same schedule.</summary>
    internal int Id { get; }

    /// <summary>What the operation runs.</summary>
    internal OperationKind Kind { get; }

    /// <summary>Where it is in its life.</summary>
    internal OperationState State { get; set; }

    /// <summary>The worker thread the operation is bound to once started.</summary>
    internal Worker? Worker { get; set; }

    /// <summary>Body and Spawn operations: the logical flow they start. Others: the flow they turned out to run
    /// (known after their first event), for the readable trace.</summary>
    internal Flow? Flow { get; set; }

    /// <summary>Body and Spawn: the async function.</summary>
    internal Func<Task>? AsyncBody { get; set; }

    /// <summary>Spawn: the synchronous function.</summary>
    internal Action? SyncBody { get; set; }

    /// <summary>Continuation: the callback and its state.</summary>
    internal SendOrPostCallback? Callback { get; set; }

    /// <summary>Continuation: the callback's state.</summary>
    internal object? CallbackState { get; set; }

    /// <summary>WorkItem: the item.</summary>
    internal IThreadPoolWorkItem? WorkItem { get; set; }

    /// <summary>Timer: the timer that fires.</summary>
    internal SchedulingTimer? Timer { get; set; }

    /// <summary>An unpark arrived while the operation was not parked: its next park returns at once.</summary>
    internal bool Permit { get; set; }

    /// <summary>The result of the last park: <see langword="true"/> when unparked, <see langword="false"/> on timeout.</summary>
    internal bool ParkResult { get; set; }

    /// <summary>While blocked: what it waits on (for deadlock reports).</summary>
    internal nint WaitResource { get; set; }

    /// <summary>While blocked: the name of the wait (for deadlock reports).</summary>
    internal string? WaitOperation { get; set; }

    /// <summary>While blocked with a deadline: the pending timeout.</summary>
    internal PendingTimer? ParkTimeout { get; set; }

    /// <summary>An exception the schedule injected while the operation was parked: its park throws it on resuming.</summary>
    internal Exception? PendingFault { get; set; }

    /// <summary>The iteration is being torn down: the operation must unwind when it gets its turn.</summary>
    internal bool Aborting { get; set; }

    /// <summary>Whether the operation is enabled (may be chosen to run).</summary>
    internal bool IsEnabled => State is OperationState.NotStarted or OperationState.Runnable;

    /// <summary>The short name used in traces.</summary>
    public override string ToString() => "op" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
