namespace PinSync.Runtime.Internal;

/// <summary>
/// One hop of a call chain: the request <see cref="Request"/> running on <see cref="Activation"/>, called from
/// <see cref="Parent"/>. The chain of the current request flows with the execution context
/// (<see cref="GrainCallContext"/>), so every call a grain makes carries the chain of the request that made it.
/// </summary>
/// <remarks>Immutable; shared by every call made from one request. It may outlive its request (grain code can
/// capture the execution context and call later), and a pooled request object then serves later calls: the node
/// names its call by (<see cref="Request"/>, <see cref="RequestGeneration"/>), and a holder trusts
/// <see cref="Request"/> only where <see cref="IsCurrent"/> (see <c>RequestOfTResult.Pooling.cs</c>).</remarks>
internal sealed class CallChainNode
{
    internal CallChainNode(Activation activation, Request request, CallChainNode? parent, bool allowReentrancy)
        : this(activation, request, request.Generation, parent, allowReentrancy)
    {
    }

    internal CallChainNode(Activation activation, Request request, int requestGeneration, CallChainNode? parent, bool allowReentrancy)
    {
        Activation = activation;
        Request = request;
        RequestGeneration = requestGeneration;
        Parent = parent;
        AllowReentrancy = allowReentrancy;
    }

    /// <summary>The activation the request runs on.</summary>
    internal Activation Activation { get; }

    /// <summary>The request of this hop (the object; see <see cref="RequestGeneration"/>).</summary>
    internal Request Request { get; }

    /// <summary>Which call of <see cref="Request"/> this hop is (<see cref="Internal.Request.Generation"/> when it
    /// started).</summary>
    internal int RequestGeneration { get; }

    /// <summary>Whether <see cref="Request"/> is still this hop's call. Exact only while something holds the request
    /// (inside a turn of <see cref="Activation"/> that finds it running there); otherwise a hint.</summary>
    internal bool IsCurrent => Request.Generation == RequestGeneration;

    /// <summary>The caller's hop; <see langword="null"/> for a call from outside any grain.</summary>
    internal CallChainNode? Parent { get; }

    /// <summary>Calls made under this hop may re-enter <see cref="Activation"/> while <see cref="Request"/> runs
    /// (<see cref="GrainCallContext.AllowCallChainReentrancy"/>).</summary>
    internal bool AllowReentrancy { get; }

    /// <summary>This hop as shown in deadlock reports: <c>GrainClass/key.Method</c>.</summary>
    public override string ToString() => Activation.Name + "." + (IsCurrent ? Request.Shape.Name : "(finished call)");
}
