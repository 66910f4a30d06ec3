using PinSync.Runtime.Internal;

namespace PinSync.Runtime;

/// <summary>
/// The call chain of the current grain request (which grains called which to get here). The runtime uses it to
/// report call cycles that would deadlock (<see cref="GrainDeadlockException"/>) and to let a chain re-enter a
/// grain on purpose (<see cref="AllowCallChainReentrancy"/>).
/// </summary>
/// <remarks>Thread-safe; the chain flows with the <see cref="ExecutionContext"/> (an <see cref="AsyncLocal{T}"/>).</remarks>
public static class GrainCallContext
{
    private static readonly AsyncLocal<CallChainNode?> s_current = new();

    /// <summary>The hops of the current call chain (<c>GrainClass/key.Method</c>), first caller first; empty outside
    /// grain code.</summary>
    public static IReadOnlyList<string> CurrentCallChain => Describe(s_current.Value);

    /// <summary>The chain node of the current request, <see langword="null"/> outside grain code.</summary>
    internal static CallChainNode? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>
    /// Lets requests that the current request causes, directly or down a call chain, re-enter the current grain
    /// while this request runs (the model of Orleans' <c>RequestContext.AllowCallChainReentrancy</c>): A → B → A
    /// then runs instead of failing with <see cref="GrainDeadlockException"/>. Other callers still wait. Dispose
    /// the returned scope to end it; outside grain code the scope does nothing.
    /// </summary>
    /// <returns>The scope; dispose it to restore the previous rule.</returns>
    public static CallChainReentrancyScope AllowCallChainReentrancy()
    {
        var current = s_current.Value;
        if (current is null || current.AllowReentrancy)
        {
            return default;
        }

        s_current.Value = new CallChainNode.Reentrant(current.Run);
        return new CallChainReentrancyScope(current);
    }

    /// <summary>Ends a reentrancy scope (see <see cref="CallChainReentrancyScope.Dispose"/>).</summary>
    internal static void Restore(CallChainNode previous) => s_current.Value = previous;

    internal static IReadOnlyList<string> Describe(CallChainNode? node)
    {
        var hops = new List<string>();
        while (node is not null)
        {
            var current = node.TryGetParent(out var parent);
            hops.Add(node.ToString());
            if (!current)
            {
                break; // The call of this hop has ended: what called it is not known any more.
            }

            node = parent;
        }

        hops.Reverse();
        return hops;
    }
}
