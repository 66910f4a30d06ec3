using Microsoft.Extensions.ObjectPool;

namespace PinSync.Tests.Runtime;

/// <summary>
/// An <see cref="ObjectPoolProvider"/> for the request-pooling tests (plugged in through
/// <c>GrainRuntimeOptions.RequestPoolProvider</c>): last in, first out, so the next call reuses exactly the request
/// that came back last, and it counts what it hands out and gets back across every pool it made.
/// </summary>
internal sealed class TrackingPoolProvider : ObjectPoolProvider
{
    private readonly Lock _lock = new();
    private readonly HashSet<object> _pooled = new(ReferenceEqualityComparer.Instance);
    private int _created;
    private int _rented;
    private int _returnedCount;
    private object? _lastRented;
    private int _doubleReturns;

    /// <summary>Returns of a request that was in a pool already (must stay 0).</summary>
    public int DoubleReturns
    {
        get
        {
            lock (_lock)
            {
                return _doubleReturns;
            }
        }
    }

    /// <summary>Requests made because the pool was empty.</summary>
    public int Created
    {
        get
        {
            lock (_lock)
            {
                return _created;
            }
        }
    }

    /// <summary>Requests rented and not returned yet (calls in flight, or requests dropped instead of returned).</summary>
    public int Outstanding
    {
        get
        {
            lock (_lock)
            {
                return _rented - _returnedCount;
            }
        }
    }

    /// <summary>The request handed out last (the request of the call the test just made).</summary>
    public object? LastRented
    {
        get
        {
            lock (_lock)
            {
                return _lastRented;
            }
        }
    }

    /// <summary>Whether <paramref name="request"/> sits in a pool now (returned, not rented again).</summary>
    public bool IsPooled(object request)
    {
        lock (_lock)
        {
            return _pooled.Contains(request);
        }
    }

    /// <inheritdoc />
    public override ObjectPool<T> Create<T>(IPooledObjectPolicy<T> policy) => new Pool<T>(this, policy);

    private sealed class Pool<T>(TrackingPoolProvider owner, IPooledObjectPolicy<T> policy) : ObjectPool<T>
        where T : class
    {
        private readonly Stack<T> _items = new();

        public override T Get()
        {
            lock (owner._lock)
            {
                owner._rented++;
                if (_items.TryPop(out var item))
                {
                    owner._pooled.Remove(item);
                }
                else
                {
                    owner._created++;
                    item = policy.Create();
                }

                owner._lastRented = item;
                return item;
            }
        }

        public override void Return(T obj)
        {
            lock (owner._lock)
            {
                // A request returned twice would be handed to two calls at once: the protocol's worst failure. Counted,
                // not thrown: this runs on the runtime's threads.
                if (!owner._pooled.Add(obj))
                {
                    owner._doubleReturns++;
                    return;
                }

                owner._returnedCount++;
                if (policy.Return(obj))
                {
                    _items.Push(obj);
                }
            }
        }
    }
}
