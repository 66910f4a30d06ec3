using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync;

/// <summary>The waiter pool and the node slab shared by every primitive.</summary>
internal sealed unsafe partial class AsyncWaiter
{
    /// <summary>How many idle waiters the shared pool keeps; more concurrent waits allocate, and the surplus is
    /// dropped.</summary>
    private const int PoolSize = 256;

    // Own bounded pool rather than Microsoft.Extensions.ObjectPool: a one-slot thread-local cache in front of a
    // small locked stack (waiters are rented on the awaiting thread and returned on whichever thread consumes the
    // result, so a purely thread-local pool would drain on one side and overflow on the other), no package
    // dependency in the core library, and the pool frees a dropped waiter's GC handle.
    [ThreadStatic]
    private static AsyncWaiter? t_cached;

    private static readonly Lock s_poolLock = new();
    private static readonly AsyncWaiter[] s_pool = new AsyncWaiter[PoolSize];
    private static int s_pooled;

    // Native nodes for every awaited wait in the process. Never disposed.
    private static readonly Slab<WaitNode> s_nodes = new();

    /// <summary>Nodes of awaited waits currently rented (leak checks: zero when nothing waits).</summary>
    internal static int OutstandingNodes => s_nodes.Outstanding;

    /// <summary>Takes an idle waiter from the pool, or makes one.</summary>
    internal static AsyncWaiter Rent()
    {
        if (t_cached is { } cached)
        {
            t_cached = null;
            return cached;
        }

        lock (s_poolLock)
        {
            if (s_pooled > 0)
            {
                var waiter = s_pool[--s_pooled];
                s_pool[s_pooled] = null!;
                return waiter;
            }
        }

        return new AsyncWaiter();
    }

    private static void Return(AsyncWaiter waiter)
    {
        if (t_cached is null)
        {
            t_cached = waiter;
            return;
        }

        lock (s_poolLock)
        {
            if (s_pooled < PoolSize)
            {
                s_pool[s_pooled++] = waiter;
                return;
            }
        }

        // Pool full: drop it; its handle must go, or the GC handle keeps it alive for ever.
        waiter._self.Free();
    }
}
