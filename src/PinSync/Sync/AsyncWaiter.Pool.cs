using System.Diagnostics;
using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync;

/// <summary>The shared waiter pool, the node slab every waiter takes its node from, and the count of waits in
/// flight.</summary>
internal unsafe partial class AsyncWaiter
{
    // Native nodes for every awaited wait in the process, one per live waiter. Never disposed.
    private static readonly Slab<WaitNode> s_nodes = new();

#if DEBUG
    private static int s_activeWaits;
#endif

    /// <summary>Awaited waits in flight, from <see cref="Begin"/> until their callbacks are quiesced (leak checks:
    /// back to its baseline when nothing waits). Counted in DEBUG builds only — one process-wide counter would be a
    /// contended cache line on every wait — and 0 in release builds.</summary>
    internal static int ActiveWaits
    {
        get
        {
#if DEBUG
            return Volatile.Read(ref s_activeWaits);
#else
            return 0;
#endif
        }
    }

    [Conditional("DEBUG")]
    private static void CountWaitStarted()
    {
#if DEBUG
        Interlocked.Increment(ref s_activeWaits);
#endif
    }

    [Conditional("DEBUG")]
    private static void CountWaitEnded()
    {
#if DEBUG
        Interlocked.Decrement(ref s_activeWaits);
#endif
    }

    // The shared pool's thread-local slot, here rather than in WaiterPool<AsyncWaiter>: a thread-static of a
    // non-generic class is one inline TLS access, one of a generic class over a reference type (shared code) a
    // runtime helper call — on every wait and every completion.
    [ThreadStatic]
    private static AsyncWaiter? t_cached;

    /// <summary>Takes an idle waiter from the shared pool, or makes one.</summary>
    internal static AsyncWaiter Rent()
    {
        var cached = t_cached;
        if (cached is not null)
        {
            t_cached = null;
            return cached;
        }

        return WaiterPool<AsyncWaiter>.RentShared() ?? new AsyncWaiter();
    }

    private static void Return(AsyncWaiter waiter)
    {
        if (t_cached is null)
        {
            t_cached = waiter;
        }
        else if (!WaiterPool<AsyncWaiter>.TryReturnShared(waiter))
        {
            waiter.Drop();
        }
    }
}

/// <summary>
/// A bounded pool of idle waiters of one type: a one-slot thread-local cache in front of a small locked stack.
/// Waiters are rented on the awaiting thread and returned on whichever thread consumes the result, so a purely
/// thread-local pool would drain on one side and overflow on the other.
/// </summary>
/// <remarks>Our own rather than Microsoft.Extensions.ObjectPool: no package dependency in the core library, and the
/// caller drops a waiter the pool has no room for (freeing its GC handle and node).</remarks>
internal static class WaiterPool<TWaiter>
    where TWaiter : class
{
    /// <summary>How many idle waiters the locked stack keeps.</summary>
    private const int Size = 256;

    [ThreadStatic]
    private static TWaiter? t_cached;

    private static readonly Lock s_lock = new();
    private static readonly TWaiter?[] s_pool = new TWaiter?[Size];
    private static int s_pooled;

    /// <summary>An idle waiter, or <see langword="null"/> when the pool is empty.</summary>
    internal static TWaiter? Rent()
    {
        if (t_cached is { } cached)
        {
            t_cached = null;
            return cached;
        }

        return RentShared();
    }

    /// <summary>An idle waiter from the locked stack (not the thread-local slot), or <see langword="null"/>.</summary>
    internal static TWaiter? RentShared()
    {
        lock (s_lock)
        {
            if (s_pooled > 0)
            {
                var waiter = s_pool[--s_pooled];
                s_pool[s_pooled] = null;
                return waiter;
            }
        }

        return null;
    }

    /// <summary>Keeps an idle waiter; <see langword="false"/> when the pool is full (the caller drops it).</summary>
    internal static bool TryReturn(TWaiter waiter)
    {
        if (t_cached is null)
        {
            t_cached = waiter;
            return true;
        }

        return TryReturnShared(waiter);
    }

    /// <summary>Keeps an idle waiter on the locked stack (not the thread-local slot); <see langword="false"/> when it is
    /// full.</summary>
    internal static bool TryReturnShared(TWaiter waiter)
    {
        lock (s_lock)
        {
            if (s_pooled < Size)
            {
                s_pool[s_pooled++] = waiter;
                return true;
            }
        }

        return false;
    }
}
