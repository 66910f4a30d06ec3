using System.ComponentModel;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.ObjectPool;
using PinSync.Runtime.Internal;

namespace PinSync.Runtime;

/// <summary>
/// Describes a grain interface method for generated grain references (<see cref="GrainReference"/>): its name and
/// the flags the reentrancy rules read. Create one per method, in a <see langword="static"/> <see langword="readonly"/>
/// field of the reference class.
/// </summary>
/// <remarks>Infrastructure for the grain-reference generator and hand-written references. Immutable (but for a cache
/// of the runtime's request pool); thread-safe.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GrainMethodDescriptor
{
    // The request pool of the runtime this method was last called on (one runtime per process is the common case;
    // another runtime replaces the entry). Immutable entries, replaced whole.
    private PoolCacheEntry? _poolCache;

    /// <summary>Describes a method.</summary>
    /// <param name="interfaceName">The interface's name (<c>IAccount</c>), for messages.</param>
    /// <param name="methodName">The method's name (<c>Deposit</c>).</param>
    /// <param name="alwaysInterleave">The method is <see cref="AlwaysInterleaveAttribute"/>.</param>
    /// <param name="isReadOnly">The method is <see cref="ReadOnlyAttribute"/>.</param>
    /// <param name="takesCancellationToken">The method's last parameter is a <see cref="CancellationToken"/>.</param>
    /// <exception cref="ArgumentNullException">A name is <see langword="null"/>.</exception>
    public GrainMethodDescriptor(string interfaceName, string methodName, bool alwaysInterleave, bool isReadOnly, bool takesCancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        ArgumentNullException.ThrowIfNull(methodName);
        DisplayName = interfaceName + "." + methodName;
        TakesCancellationToken = takesCancellationToken;
        Shape = new RequestShape(methodName, alwaysInterleave, isReadOnly);
    }

    /// <summary><c>IAccount.Deposit</c>.</summary>
    public string DisplayName { get; }

    /// <summary>Whether the method takes a <see cref="CancellationToken"/> (the runtime then passes one that the
    /// caller's cancellation and the request timeout cancel).</summary>
    public bool TakesCancellationToken { get; }

    internal RequestShape Shape { get; }

    /// <summary>The pool of <paramref name="runtime"/> for this method's requests (<see langword="null"/> when the
    /// runtime does not pool); cached here so that a call skips the runtime's dictionary.</summary>
    internal ObjectPool<TRequest>? RequestPool<TRequest>(GrainRuntime runtime)
        where TRequest : class, new()
    {
        if (Volatile.Read(ref _poolCache) is { } cache && ReferenceEquals(cache.Runtime, runtime) && cache.Pool is ObjectPool<TRequest> pool)
        {
            return pool;
        }

        return RequestPoolSlow<TRequest>(runtime);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ObjectPool<TRequest>? RequestPoolSlow<TRequest>(GrainRuntime runtime)
        where TRequest : class, new()
    {
        var pool = runtime.RequestPool<TRequest>();
        if (pool is not null)
        {
            Volatile.Write(ref _poolCache, new PoolCacheEntry(runtime, pool));
        }

        return pool;
    }

    private sealed record PoolCacheEntry(GrainRuntime Runtime, object Pool);
}
