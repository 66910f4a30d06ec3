using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// A one-shot signal whose waiters are resumed by a work item queued through the scheduling seam: never inline in
/// the turn that signals (its code must not run on an activation's context), and never on the raw thread pool
/// (which the explorer does not see, unlike <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>).
/// </summary>
/// <remarks>Thread-safe; <see cref="Signal"/> may be called any number of times (the first one counts).</remarks>
internal sealed class SeamSignal : IThreadPoolWorkItem
{
    private readonly TaskCompletionSource _completion = new();
    private int _signaled;

    /// <summary>Completes once <see cref="Signal"/> was called and the work item ran.</summary>
    internal Task Task => _completion.Task;

    /// <summary>Queues the completion.</summary>
    internal void Signal()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            Seam.QueueWorkItem(this);
        }
    }

    /// <summary>Completes the task on the work item's thread (waiters without a context continue here).</summary>
    public void Execute() => _completion.TrySetResult();
}
