using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// A unit of work for an activation: a grain call (<see cref="Request{TResult}"/>) or a grain timer tick
/// (<see cref="GrainTimer"/>). It derives from <see cref="SchedulingTimer"/> so that its timeout (for a call) or its
/// period (for a timer) is armed on the scheduling seam without a timer object of its own.
/// </summary>
/// <remarks>
/// Life of a request: created by the caller, posted to the activation (<see cref="Activation.TrySend"/>), admitted
/// or queued by the reentrancy predicate inside a turn, run by <see cref="Invoke"/>, and finished by
/// <see cref="Activation.OnRequestFinished"/>. <see cref="Shape"/> and <see cref="CallerChain"/> never change after
/// creation; <see cref="Hops"/> is touched only by the activation that forwards the request.
/// </remarks>
internal abstract class Request : SchedulingTimer
{
    protected Request(RequestShape shape, CallChainNode? callerChain)
    {
        Shape = shape;
        CallerChain = callerChain;
    }

    /// <summary>The stripe of <see cref="RequestDeadlines"/> this call is linked into while its timeout is pending;
    /// <see langword="null"/> otherwise. Written under the stripe's lock, read first without it.</summary>
    internal RequestDeadlines.Stripe? DeadlineStripe;

    /// <summary>The neighbours in the stripe's list. Guarded by the stripe's lock.</summary>
    internal Request? DeadlinePrevious;

    /// <inheritdoc cref="DeadlinePrevious" />
    internal Request? DeadlineNext;

    /// <summary>When the call times out, in seam ticks. Guarded by the stripe's lock.</summary>
    internal long DeadlineTicks;

    /// <summary>The method (or timer) this request runs, with its interleaving flags.</summary>
    internal RequestShape Shape { get; }

    /// <summary>The chain of the request that made this call; <see langword="null"/> for calls from outside grains
    /// and for timer ticks.</summary>
    internal CallChainNode? CallerChain { get; }

    /// <summary>How many times a deactivating activation forwarded this request.</summary>
    internal int Hops { get; set; }

    /// <summary>Whether the request counts toward <see cref="GrainRuntimeOptions.MaxPendingRequestsPerActivation"/>
    /// and keeps its activation from being idle (grain calls do, timer ticks do not).</summary>
    internal virtual bool IsCall => true;

    /// <summary>The caller has its answer already (timed out, cancelled, or failed while queued), or the timer was
    /// disposed: the activation skips the request instead of running it.</summary>
    internal abstract bool IsCompleted { get; }

    /// <summary>Completes the caller with <paramref name="exception"/> unless it is completed already.</summary>
    internal abstract void Fail(Exception exception);

    /// <summary>Runs the grain code inside a turn of <paramref name="activation"/> and completes the caller. Never
    /// throws.</summary>
    /// <returns><see langword="true"/> when the request finished synchronously; otherwise the request calls
    /// <see cref="Activation.OnRequestFinished"/> itself, from a later turn.</returns>
    internal abstract bool Invoke(Grain grain, Activation activation);

    /// <summary>Called inside the turn that finished the request (a timer re-arms here).</summary>
    internal virtual void OnFinished(Activation activation)
    {
    }
}
