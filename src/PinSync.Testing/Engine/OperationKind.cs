namespace PinSync.Testing.Engine;

/// <summary>What an operation runs.</summary>
internal enum OperationKind : byte
{
    /// <summary>The test body.</summary>
    Body,

    /// <summary>A function passed to <see cref="Explorer.Spawn(Func{Task})"/>.</summary>
    Spawn,

    /// <summary>A continuation posted to the explorer's <see cref="SynchronizationContext"/> (plain <c>await</c>).</summary>
    Continuation,

    /// <summary>A work item queued through the seam (an async waiter's completion).</summary>
    WorkItem,

    /// <summary>A <see cref="PinSync.Scheduling.SchedulingTimer"/> that fires.</summary>
    Timer,
}
