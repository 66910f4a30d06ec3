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
/// <see cref="Activation.OnRequestFinished"/>. <see cref="Shape"/> and <see cref="CallerChain"/> never change while a
/// call is in flight (a pooled grain call sets them when it is rented, see <see cref="Request{TResult}"/>);
/// <see cref="Hops"/> is touched only by the activation that forwards the request.
/// </remarks>
internal abstract class Request : SchedulingTimer
{
    protected Request(RequestShape shape, CallChainNode? callerChain)
    {
        Shape = shape;
        _callerChain = callerChain;
    }

    /// <summary>For pooled grain calls: <see cref="Shape"/> is set when the request is rented.</summary>
    protected Request() => Shape = null!;

    /// <summary>The stripe of <see cref="RequestDeadlines"/> this call is linked into while its timeout is pending;
    /// <see langword="null"/> otherwise. Written under the stripe's lock, read first without it. While it is linked,
    /// the call's deadline (the sweep epoch it is due at) is kept in <see cref="SchedulingTimer.DueTicks"/>, which only
    /// a timer registered on the seam uses otherwise (a call has the sweep or a seam timer, never both).</summary>
    internal RequestDeadlines.Stripe? DeadlineStripe;

    /// <summary>The neighbours in the stripe's list. Guarded by the stripe's lock.</summary>
    internal Request? DeadlinePrevious;

    /// <inheritdoc cref="DeadlinePrevious" />
    internal Request? DeadlineNext;

    /// <summary>The chain node of this request's current run: set (release) when the activation starts it, after
    /// <see cref="ChainActivation"/> and <see cref="CallerChain"/>; cleared (release) before a pooled request is
    /// recycled. A <see cref="CallChainNode"/> is current while this names it (see there).</summary>
    internal CallChainNode? RunNode;

    /// <summary>The activation the current run started on (a hop's activation; see <see cref="CallChainNode"/>).
    /// Written before <see cref="RunNode"/> is published.</summary>
    internal Activation? ChainActivation;

    private CallChainNode? _callerChain;

    /// <summary>The method (or timer) this request runs, with its interleaving flags.</summary>
    internal RequestShape Shape { get; private protected set; }

    /// <summary>The chain of the request that made this call; <see langword="null"/> for calls from outside grains
    /// and for timer ticks.</summary>
    internal CallChainNode? CallerChain
    {
        get => _callerChain;

        // Release: a reader that sees a later call's caller also sees that this object's RunNode moved on (see
        // CallChainNode.TryGetParent).
        private protected set => Volatile.Write(ref _callerChain, value);
    }

    /// <summary><see cref="CallerChain"/> read with acquire semantics, for readers that do not hold the request.</summary>
    internal CallChainNode? VolatileCallerChain => Volatile.Read(ref _callerChain);

    /// <summary>The activation starts a run of this request (turn): a fresh chain node names it from now on.</summary>
    /// <returns>The node to flow as <see cref="GrainCallContext.Current"/> while the request's grain code runs.</returns>
    internal CallChainNode StartRun(Activation activation)
    {
        ChainActivation = activation;
        var node = new CallChainNode(this);
        Volatile.Write(ref RunNode, node);
        return node;
    }

    /// <summary>The call is over and the object is about to be reused (or dropped): every node of it reads as
    /// finished from now on. Before any field of the next call is written.</summary>
    private protected void EndRuns()
    {
        Volatile.Write(ref RunNode, null);
        ChainActivation = null;
    }

    /// <summary>Which use of a pooled request object this is: a (request, generation) pair names one call, so a
    /// holder that may outlive the call (a chain node, a deadlock probe) checks it before it trusts the object.
    /// Stable while the activation holds the request (queued, running, or being forwarded); 0 for timer ticks.</summary>
    internal virtual int Generation => 0;

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

    /// <summary>Like <see cref="Fail(Exception)"/>, but only if the request is still the call of
    /// <paramref name="generation"/> (a deadlock report names calls it saw in earlier turns).</summary>
    internal virtual void Fail(Exception exception, int generation) => Fail(exception);

    /// <summary>The activation is done with the request (it finished, was dropped, or failed before it ran): the
    /// activation's hold on a pooled call ends here (see <see cref="Request{TResult}"/>). Called exactly once per
    /// send, by whoever drops the request for good; never by a forwarder that sends it on.</summary>
    internal virtual void Release()
    {
    }

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
