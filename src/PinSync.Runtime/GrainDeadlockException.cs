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

    /// <summary>Whether the cycle runs across independent call chains (A → B ∥ B → A: each request waits in the
    /// queue of a grain busy with a request of the other chain) rather than back along one chain.</summary>
    public bool IsAcrossChains { get; private init; }

    /// <summary>The hops of the cycle (<c>GrainClass/key.Method</c>), first caller first; the last one is the request
    /// that was refused. Across chains (<see cref="IsAcrossChains"/>): a running request, the call it made that
    /// waits, the request that call waits behind, and so on around the cycle. Empty when the exception was created
    /// with a message only.</summary>
    public IReadOnlyList<string> CallChain
    {
        // A copy made by a serializer that skips constructors (Orleans' exception codec) has no chain: empty then.
        get => _callChain ?? [];
        private init => _callChain = value;
    }

    private readonly IReadOnlyList<string>? _callChain;

    /// <summary>The report of a cycle across call chains: <paramref name="cycle"/> alternates a request running on a
    /// grain and the call it made that waits in another grain's queue, starting and ending on the same grain.</summary>
    internal static GrainDeadlockException AcrossChains(IReadOnlyList<string> cycle)
    {
        var text = new System.Text.StringBuilder("Deadlock: independent call chains wait for each other in a cycle: ");
        for (var i = 0; i + 1 < cycle.Count; i += 2)
        {
            var waitsFor = i + 2 < cycle.Count ? cycle[i + 2] : cycle[0];
            text.Append(cycle[i]).Append(" calls ").Append(cycle[i + 1])
                .Append(", which waits in the queue behind ").Append(waitsFor).Append("; ");
        }

        text.Append("no request of the cycle can finish. The waiting calls fail with this exception. Mark a grain of the " +
            "cycle [Reentrant] or the called method [AlwaysInterleave], or order the calls the same way in every chain.");
        return new GrainDeadlockException(text.ToString(), cycle, acrossChains: true);
    }

    /// <summary>Re-creates a report (a copy that crossed a process boundary: PinSync.Orleans' serializer).</summary>
    internal GrainDeadlockException(string message, IReadOnlyList<string> callChain, bool acrossChains)
        : base(message)
    {
        CallChain = callChain;
        IsAcrossChains = acrossChains;
    }

    private static string FormatMessage(IReadOnlyList<string> callChain)
    {
        ArgumentNullException.ThrowIfNull(callChain);
        return "Deadlock: the call chain " + string.Join(" -> ", callChain) +
            " returns to a non-reentrant activation that is busy with an earlier request of the same chain. " +
            "Mark the grain [Reentrant], the method [AlwaysInterleave], or open GrainCallContext.AllowCallChainReentrancy() " +
            "in the first grain of the chain.";
    }
}
