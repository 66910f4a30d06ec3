namespace PinSync.Runtime;

/// <summary>
/// A request would wait forever: it was sent along a call chain that already passes through its target activation,
/// which is not reentrant and is busy with the request of that same chain (A → B → A). The runtime reports this at
/// once, when the request arrives, instead of letting it time out.
/// </summary>
/// <remarks>The call chain of <see cref="CallChain"/> names each hop as <c>GrainClass/key.Method</c>, from the first
/// caller to the request that was refused.</remarks>
public sealed class GrainDeadlockException : Exception
{
    /// <summary>Creates the exception for <paramref name="callChain"/>.</summary>
    /// <param name="callChain">The hops, first caller first; the last hop is the refused request.</param>
    public GrainDeadlockException(IReadOnlyList<string> callChain)
        : base(FormatMessage(callChain)) => CallChain = callChain;

    /// <summary>Creates the exception with a message only.</summary>
    /// <param name="message">The message.</param>
    public GrainDeadlockException(string message)
        : base(message) => CallChain = [];

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GrainDeadlockException(string message, Exception innerException)
        : base(message, innerException) => CallChain = [];

    /// <summary>Creates the exception without details.</summary>
    public GrainDeadlockException()
        : this("A grain call would deadlock.")
    {
    }

    /// <summary>The hops of the cycle (<c>GrainClass/key.Method</c>), first caller first; the last one is the request
    /// that was refused. Empty when the exception was created with a message only.</summary>
    public IReadOnlyList<string> CallChain { get; }

    private static string FormatMessage(IReadOnlyList<string> callChain)
    {
        ArgumentNullException.ThrowIfNull(callChain);
        return "Deadlock: the call chain " + string.Join(" -> ", callChain) +
            " returns to a non-reentrant activation that is busy with an earlier request of the same chain. " +
            "Mark the grain [Reentrant], the method [AlwaysInterleave], or open GrainCallContext.AllowCallChainReentrancy() " +
            "in the first grain of the chain.";
    }
}
