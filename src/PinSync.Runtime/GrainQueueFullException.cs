namespace PinSync.Runtime;

/// <summary>
/// Backpressure: the target activation already had <see cref="GrainRuntimeOptions.MaxPendingRequestsPerActivation"/>
/// requests queued or running, so the request was rejected instead of queued.
/// </summary>
public sealed class GrainQueueFullException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public GrainQueueFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GrainQueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without details.</summary>
    public GrainQueueFullException()
        : this("The grain's request queue is full.")
    {
    }
}
