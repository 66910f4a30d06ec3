namespace PinSync.Testing.Engine;

/// <summary>Where an operation is in its life.</summary>
internal enum OperationState : byte
{
    /// <summary>Created, enabled, not started on a thread yet.</summary>
    NotStarted,

    /// <summary>Started on a worker thread and enabled: it runs, or waits at a scheduling point for its turn.</summary>
    Runnable,

    /// <summary>Parked through the seam; enabled again by an unpark or its timeout.</summary>
    Blocked,

    /// <summary>Finished (or torn down).</summary>
    Completed,
}
