namespace PinSync.Runtime.Internal;

/// <summary>A grain call made through a generated (or hand-written) <see cref="GrainReference"/>: typed arguments and
/// a typed delegate that calls the grain method directly, no reflection and no boxing of arguments.</summary>
/// <typeparam name="TArgs">The arguments (a value, or a value tuple of several).</typeparam>
/// <typeparam name="TResult">The method's result (<see cref="Unit"/> for methods without one).</typeparam>
/// <remarks>See <see cref="Request{TResult}"/> for the completion protocol.</remarks>
internal sealed class TypedRequest<TArgs, TResult> : Request<TResult>
{
    private readonly GrainMethodDescriptor _method;
    private readonly TArgs _args;
    private readonly Func<Grain, TArgs, CancellationToken, ValueTask<TResult>>? _invoke;
    private readonly Func<Grain, TArgs, CancellationToken, ValueTask>? _invokeVoid;

    internal TypedRequest(GrainMethodDescriptor method, TArgs args, Func<Grain, TArgs, CancellationToken, ValueTask<TResult>>? invoke,
        Func<Grain, TArgs, CancellationToken, ValueTask>? invokeVoid, CallChainNode? callerChain, CancellationToken callerToken)
        : base(method.Shape, callerChain, callerToken)
    {
        _method = method;
        _args = args;
        _invoke = invoke;
        _invokeVoid = invokeVoid;
    }

    /// <inheritdoc />
    protected override string DisplayName => _method.DisplayName;

    /// <inheritdoc />
    protected override bool TakesCancellationToken => _method.TakesCancellationToken;

    /// <inheritdoc />
    protected override ValueTask<TResult> InvokeGrain(Grain grain, CancellationToken token)
    {
        if (_invoke is not null)
        {
            return _invoke(grain, _args, token);
        }

        var pending = _invokeVoid!(grain, _args, token);
        return pending.IsCompletedSuccessfully ? default : AwaitVoid(pending);
    }

    private static async ValueTask<TResult> AwaitVoid(ValueTask pending)
    {
        await pending;
        return default!;
    }
}
