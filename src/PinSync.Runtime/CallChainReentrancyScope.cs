using PinSync.Runtime.Internal;

namespace PinSync.Runtime;

/// <summary>The scope returned by <see cref="GrainCallContext.AllowCallChainReentrancy"/>: while it is open, calls
/// made by the current request may re-enter its grain.</summary>
/// <remarks>Dispose it on the same flow that opened it (a <see langword="using"/> declaration). Disposing the
/// default value does nothing.</remarks>
public readonly struct CallChainReentrancyScope : IDisposable
{
    private readonly CallChainNode? _previous;

    internal CallChainReentrancyScope(CallChainNode previous) => _previous = previous;

    /// <summary>Ends the scope: later calls of the current request no longer allow re-entry.</summary>
    public void Dispose()
    {
        if (_previous is not null)
        {
            GrainCallContext.Restore(_previous);
        }
    }
}
