namespace PinSync.Runtime.Internal;

/// <summary>A grain call made through the reflection proxy (<see cref="GrainProxy"/>): the arguments as the proxy's
/// array, the grain called through <see cref="GrainMethod{TResult}"/>'s cached invoker.</summary>
/// <typeparam name="TResult">The method's result.</typeparam>
/// <remarks>See <see cref="Request{TResult}"/> for the completion protocol.</remarks>
internal sealed class ReflectionRequest<TResult> : Request<TResult>
{
    private readonly GrainMethod<TResult> _method;
    private readonly object?[] _args;

    internal ReflectionRequest(GrainMethod<TResult> method, object?[] args, CallChainNode? callerChain, CancellationToken callerToken)
        : base(method.Shape, callerChain, callerToken)
    {
        _method = method;
        _args = args;
    }

    /// <inheritdoc />
    protected override string DisplayName => _method.DisplayName;

    /// <inheritdoc />
    protected override bool TakesCancellationToken => _method.CancellationTokenIndex >= 0;

    /// <inheritdoc />
    protected override ValueTask<TResult> InvokeGrain(Grain grain, CancellationToken token) => _method.Invoke(grain, _args, token);
}
