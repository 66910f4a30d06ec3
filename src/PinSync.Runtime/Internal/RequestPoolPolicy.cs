using Microsoft.Extensions.ObjectPool;

namespace PinSync.Runtime.Internal;

/// <summary>
/// The <see cref="ObjectPool{T}"/> policy of pooled grain calls: creates empty requests, and keeps every request
/// handed back (a request is reset by its own ownership protocol before it is returned, see
/// <c>RequestOfTResult.Pooling.cs</c>, so there is nothing left to check here).
/// </summary>
/// <typeparam name="TRequest">A closed <see cref="TypedRequest{TArgs, TResult}"/> or <see cref="ReflectionRequest{TResult}"/>.</typeparam>
/// <remarks>Why <c>Microsoft.Extensions.ObjectPool</c> here and a hand-written pool in the core (<c>AsyncWaiter</c>):
/// a request has many owners on many threads (caller, activation, sweep, token callback), so it goes back from
/// whichever thread lets go last, and the pool must be thread-safe without an owner lock — which
/// <see cref="DefaultObjectPool{T}"/> is (one fast slot plus a lock-free queue), configurable through
/// <see cref="ObjectPoolProvider"/> (<see cref="GrainRuntimeOptions.RequestPoolProvider"/>). The core's waiter pool
/// (<c>WaiterPool&lt;TWaiter&gt;</c> in <c>src/PinSync/Sync/AsyncWaiter.Pool.cs</c>) stays hand-written: the core takes
/// no package dependencies, and a waiter the pool has no room for must be dropped explicitly (its GC handle and
/// native node freed), which an <see cref="ObjectPool{T}"/> that silently discards cannot do.</remarks>
internal sealed class RequestPoolPolicy<TRequest> : PooledObjectPolicy<TRequest>
    where TRequest : class, new()
{
    /// <inheritdoc />
    public override TRequest Create() => new();

    /// <inheritdoc />
    public override bool Return(TRequest obj) => true;
}
