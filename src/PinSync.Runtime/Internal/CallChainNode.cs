namespace PinSync.Runtime.Internal;

/// <summary>
/// One hop of a call chain: the request <see cref="Request"/> running on <see cref="Activation"/>, called from
/// <see cref="Parent"/>. The chain of the current request flows with the execution context
/// (<see cref="GrainCallContext"/>), so every call a grain makes carries the chain of the request that made it.
/// </summary>
/// <remarks>Immutable; shared by every call made from one request.</remarks>
internal sealed class CallChainNode
{
    internal CallChainNode(Activation activation, Request request, CallChainNode? parent, bool allowReentrancy)
    {
        Activation = activation;
        Request = request;
        Parent = parent;
        AllowReentrancy = allowReentrancy;
    }

    /// <summary>The activation the request runs on.</summary>
    internal Activation Activation { get; }

    /// <summary>The request of this hop.</summary>
    internal Request Request { get; }

    /// <summary>The caller's hop; <see langword="null"/> for a call from outside any grain.</summary>
    internal CallChainNode? Parent { get; }

    /// <summary>Calls made under this hop may re-enter <see cref="Activation"/> while <see cref="Request"/> runs
    /// (<see cref="GrainCallContext.AllowCallChainReentrancy"/>).</summary>
    internal bool AllowReentrancy { get; }

    /// <summary>This hop as shown in deadlock reports: <c>GrainClass/key.Method</c>.</summary>
    public override string ToString() => Activation.Name + "." + Request.Shape.Name;
}
