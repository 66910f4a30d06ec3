namespace PinSync.Runtime.Internal;

/// <summary>
/// One hop of a call chain: one run of <see cref="Request"/> (the call it serves when the node was made). The chain
/// of the current request flows with the execution context (<see cref="GrainCallContext"/>), so every call a grain
/// makes carries the chain of the request that made it.
/// </summary>
/// <remarks>
/// <para>One field, 24 bytes: the node is the run's identity and nothing else (issue 15 item 6, ≤ 100 B per call).
/// The hop's data lives in the request for as long as the call lasts: the activation it runs on
/// (<see cref="Request.ChainActivation"/>), its caller's hop (<see cref="Request.CallerChain"/>), and this node as
/// <see cref="Request.RunNode"/>, set when the run starts and cleared before a pooled request is recycled.</para>
/// <para>A node may outlive its call (grain code can capture the execution context and call later) while a pooled
/// request object serves later calls. Every reader therefore checks <see cref="IsCurrent"/>: the request still names
/// this node. The check is exact where something holds the request (inside a turn of the activation that finds it
/// running there); elsewhere it is a hint, and the readers below re-check it after reading the request's fields, so
/// a hop whose call ended reads as finished and cuts the chain there (a finished call awaits nothing, so no
/// deadlock and no call-chain reentrancy goes through it).</para>
/// <para>Ordering (the seqlock of <see cref="TryGetParent"/>): <see cref="Request.RunNode"/> is published with a
/// release write after the request's chain fields are set, and cleared with a release write before the object
/// goes back to its pool; the next call's fields are written (release) only after the pool handed the object over.
/// A reader reads a field (acquire) and then <see cref="Request.RunNode"/> (acquire): if it still names this node,
/// the field was this call's.</para>
/// </remarks>
internal class CallChainNode
{
    internal CallChainNode(Request request) => Request = request;

    /// <summary>The request of this hop (the object; see <see cref="IsCurrent"/>).</summary>
    internal Request Request { get; }

    /// <summary>The node the run created (this node, or the node a reentrancy scope wraps).</summary>
    internal virtual CallChainNode Run => this;

    /// <summary>Calls made under this hop may re-enter its activation while <see cref="Request"/> runs
    /// (<see cref="GrainCallContext.AllowCallChainReentrancy"/>).</summary>
    internal virtual bool AllowReentrancy => false;

    /// <summary>Whether <see cref="Request"/> still serves this hop's call. Exact only while something holds the
    /// request (inside a turn of the activation that finds it running there); otherwise a hint.</summary>
    internal bool IsCurrent => ReferenceEquals(Volatile.Read(ref Request.RunNode), Run);

    /// <summary>The activation this hop runs on; <see langword="null"/> once its call has ended (a hint outside a turn
    /// that holds the request: a probe sent there checks again).</summary>
    internal Activation? Activation
    {
        get
        {
            var activation = Volatile.Read(ref Request.ChainActivation);
            return IsCurrent ? activation : null;
        }
    }

    /// <summary>The caller's hop, read consistently with <see cref="IsCurrent"/>.</summary>
    /// <param name="parent">The caller's hop; <see langword="null"/> for a call from outside any grain.</param>
    /// <returns><see langword="false"/> when this hop's call has ended: the chain ends here.</returns>
    internal bool TryGetParent(out CallChainNode? parent)
    {
        parent = Request.VolatileCallerChain;
        if (IsCurrent)
        {
            return true;
        }

        parent = null;
        return false;
    }

    /// <summary>The caller's hop, or <see langword="null"/> when there is none or this hop's call has ended.</summary>
    internal CallChainNode? Parent => TryGetParent(out var parent) ? parent : null;

    /// <summary>This hop as shown in deadlock reports: <c>GrainClass/key.Method</c>.</summary>
    public override string ToString()
    {
        var activation = Volatile.Read(ref Request.ChainActivation);
        var shape = Request.Shape;
        return IsCurrent && activation is not null ? activation.Name + "." + shape.Name : "(finished call)";
    }

    /// <summary>The hop of a request that opened <see cref="GrainCallContext.AllowCallChainReentrancy"/>: the same run,
    /// with re-entry allowed for the calls made under it (rare: 32 bytes, one per scope).</summary>
    internal sealed class Reentrant : CallChainNode
    {
        private readonly CallChainNode _run;

        internal Reentrant(CallChainNode run)
            : base(run.Request) => _run = run;

        /// <inheritdoc />
        internal override CallChainNode Run => _run;

        /// <inheritdoc />
        internal override bool AllowReentrancy => true;
    }
}
