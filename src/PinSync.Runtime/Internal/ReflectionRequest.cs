using Microsoft.Extensions.ObjectPool;

namespace PinSync.Runtime.Internal;

/// <summary>A grain call made through the reflection proxy (<see cref="GrainProxy"/>): the arguments as the proxy's
/// array, the grain called through <see cref="GrainMethod{TResult}"/>'s cached invoker. Pooled like
/// <see cref="TypedRequest{TArgs, TResult}"/>.</summary>
/// <typeparam name="TResult">The method's result.</typeparam>
/// <remarks>See <see cref="Request{TResult}"/> for the completion protocol and <c>RequestOfTResult.Pooling.cs</c> for
/// the ownership protocol.</remarks>
internal sealed class ReflectionRequest<TResult> : Request<TResult>
{
    private ObjectPool<ReflectionRequest<TResult>>? _pool;
    private GrainMethod<TResult> _method = null!;
    private object?[] _args = null!;

    /// <summary>An empty request for the pool (see <see cref="RequestPoolPolicy{TRequest}"/>).</summary>
    public ReflectionRequest()
    {
    }

    /// <summary>Takes a request from <paramref name="runtime"/>'s pool (or a new one) and sets it up for one call;
    /// the caller then arms and sends it, and hands out a value task of it with token <paramref name="version"/>.</summary>
    internal static ReflectionRequest<TResult> Rent(GrainRuntime runtime, GrainMethod<TResult> method, object?[] args,
        CallChainNode? callerChain, CancellationToken callerToken, out short version)
    {
        var pool = runtime.RequestPool<ReflectionRequest<TResult>>();
        var request = pool?.Get() ?? new ReflectionRequest<TResult>();
        request._pool = pool;
        request._method = method;
        request._args = args;
        version = request.Rent(method.Shape, callerChain, callerToken);
        return request;
    }

    /// <inheritdoc />
    protected override string DisplayName => _method.DisplayName;

    /// <inheritdoc />
    protected override bool TakesCancellationToken => _method.CancellationTokenIndex >= 0;

    /// <inheritdoc />
    protected override ValueTask<TResult> InvokeGrain(Grain grain, CancellationToken token) => _method.Invoke(grain, _args, token);

    /// <inheritdoc />
    private protected override void ClearCall()
    {
        // _method stays (it lives as long as the runtime): ToString still names the last call.
        _args = null!;
    }

    /// <inheritdoc />
    private protected override void ReturnToPool() => _pool?.Return(this);
}
