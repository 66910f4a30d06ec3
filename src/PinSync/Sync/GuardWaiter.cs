using System.Threading.Tasks.Sources;

namespace PinSync;

/// <summary>
/// An async mutex wait that completes with the guard itself: the <see cref="IValueTaskSource{TResult}"/> behind
/// <see cref="PinnedMutex{T}.LockAsync"/> when it has to queue, so that no async method (and no pooled state-machine
/// box) sits between the wait and the caller. Pooled per <typeparamref name="T"/>.
/// </summary>
/// <typeparam name="T">The type the mutex protects.</typeparam>
internal sealed class GuardWaiter<T> : AsyncWaiter, IValueTaskSource<MutexGuard<T>>
{
    private PinnedMutex<T>? _mutex;

    private GuardWaiter()
    {
    }

    /// <summary>An idle waiter for a wait on <paramref name="mutex"/>.</summary>
    internal static GuardWaiter<T> Rent(PinnedMutex<T> mutex)
    {
        var waiter = WaiterPool<GuardWaiter<T>>.Rent() ?? new GuardWaiter<T>();
        waiter._mutex = mutex;
        return waiter;
    }

    /// <inheritdoc />
    MutexGuard<T> IValueTaskSource<MutexGuard<T>>.GetResult(short token)
    {
        // Read before the base call recycles this waiter (which clears the field).
        var mutex = _mutex;

        // The consumer holds the raw mutex now (or the wait timed out): the guard is made on its side.
        return GetResult(token) ? mutex!.NewGuard() : default;
    }

    /// <inheritdoc />
    protected override void ReturnToPool()
    {
        _mutex = null;
        if (!WaiterPool<GuardWaiter<T>>.TryReturn(this))
        {
            Drop();
        }
    }
}
