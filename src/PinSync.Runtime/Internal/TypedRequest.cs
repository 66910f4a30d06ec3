using Microsoft.Extensions.ObjectPool;

namespace PinSync.Runtime.Internal;

/// <summary>A grain call made through a generated (or hand-written) <see cref="GrainReference"/>: typed arguments and
/// a typed delegate that calls the grain method directly, no reflection and no boxing of arguments. Pooled per
/// runtime and per closed type (<see cref="GrainRuntime.RequestPool{TRequest}"/>).</summary>
/// <typeparam name="TArgs">The arguments (a value, or a value tuple of several).</typeparam>
/// <typeparam name="TResult">The method's result (<see cref="Unit"/> for methods without one).</typeparam>
/// <remarks>See <see cref="Request{TResult}"/> for the completion protocol and <c>RequestOfTResult.Pooling.cs</c> for
/// the ownership protocol. The fields below belong to the current call; they are set by <see cref="Rent"/> and
/// cleared when the object is recycled.</remarks>
internal sealed class TypedRequest<TArgs, TResult> : Request<TResult>
{
    private ObjectPool<TypedRequest<TArgs, TResult>>? _pool;
    private GrainMethodDescriptor _method = null!;
    private TArgs _args = default!;
    private Func<Grain, TArgs, CancellationToken, ValueTask<TResult>>? _invoke;
    private Func<Grain, TArgs, CancellationToken, ValueTask>? _invokeVoid;

    /// <summary>An empty request for the pool (see <see cref="RequestPoolPolicy{TRequest}"/>).</summary>
    public TypedRequest()
    {
    }

    /// <summary>Takes a request from <paramref name="runtime"/>'s pool (or a new one) and sets it up for one call;
    /// the caller then arms and sends it, and hands out a value task of it with token <paramref name="version"/>.</summary>
    internal static TypedRequest<TArgs, TResult> Rent(GrainRuntime runtime, GrainMethodDescriptor method, TArgs args,
        Func<Grain, TArgs, CancellationToken, ValueTask<TResult>>? invoke, Func<Grain, TArgs, CancellationToken, ValueTask>? invokeVoid,
        CallChainNode? callerChain, CancellationToken callerToken, out short version)
    {
        var pool = method.RequestPool<TypedRequest<TArgs, TResult>>(runtime);
        var request = pool?.Get() ?? new TypedRequest<TArgs, TResult>();
        request._pool = pool;
        request._method = method;
        request._args = args;
        request._invoke = invoke;
        request._invokeVoid = invokeVoid;
        version = request.Rent(method.Shape, callerChain, callerToken);
        return request;
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

    /// <inheritdoc />
    private protected override void ClearCall()
    {
        // _method stays: descriptors live as long as their reference class, and ToString (explorer logs, formatted
        // after the run) still names the last call.
        _args = default!;
        _invoke = null;
        _invokeVoid = null;
    }

    /// <inheritdoc />
    private protected override void ReturnToPool() => _pool?.Return(this);

    private static async ValueTask<TResult> AwaitVoid(ValueTask pending)
    {
        await pending;
        return default!;
    }
}
