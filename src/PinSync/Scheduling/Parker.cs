using System.Diagnostics;
using System.Runtime.CompilerServices;
using PinSync.Internal;

namespace PinSync.Scheduling;

/// <summary>
/// A per-thread binary semaphore for blocking waits (the kernel's and Java's park/unpark). A waiter node on the
/// stack stores its thread's parker <see cref="Id"/>, so that a waker reaches the parker through a small integer
/// instead of a managed reference in unmanaged memory.
/// </summary>
/// <remarks>
/// <para>Implementation notes. <see cref="_state"/> is <c>0</c> (no permit, not parked), <c>1</c> (a permit is
/// pending) or <c>-1</c> (the owner is parked or about to wait on <see cref="_gate"/>). <see cref="Unpark"/> sets
/// the permit with one exchange and takes the gate only when the owner may be sleeping; <see cref="Park"/> consumes
/// a pending permit without touching the gate. The gate is a Monitor because it needs Wait/Pulse
/// (<see cref="Lock"/> has no condition).</para>
/// <para>Spinning: on a multi-core machine a parker first spins for a few microseconds
/// (<see cref="SpinBudget"/>) watching for the permit, before it takes the gate and sleeps. A handoff that comes
/// within that window costs neither side a system call: the waker's <see cref="Unpark"/> finds the state 0 and only
/// sets the permit. At most <c>ProcessorCount</c> parkers spin at once (none on one core), and a spinner yields its
/// core every few rounds, so a runnable holder it waits for gets scheduled. (<c>ProcessorCount - 1</c> was tried: on
/// two cores the two sides of a ping-pong then rarely both spin, and every handoff pays a sleep.)</para>
/// <para>Ids: parkers live in a process-wide table indexed by id (never 0, always positive). When a thread dies its
/// parker's id goes back to a free list (through a finalizable sentinel in a thread-static); a waker that still holds
/// an old id can only hand a spurious permit to the parker that reuses it, and every park loop re-checks its own
/// state, so that is harmless.</para>
/// </remarks>
internal sealed class Parker
{
    [ThreadStatic]
    private static Parker? t_current;

    [ThreadStatic]
    private static ThreadExitSentinel? t_sentinel;

    private static readonly Lock s_tableLock = new();
    private static Parker?[] s_table = new Parker?[64];
    private static int s_nextId = 1;
    private static readonly Stack<int> s_freeIds = new();

    /// <summary>How long a parker spins for its permit before it sleeps.</summary>
    internal static readonly TimeSpan SpinBudget = TimeSpan.FromMicroseconds(20);

    private static readonly long s_spinTimestamps = (long)(SpinBudget.TotalSeconds * Stopwatch.Frequency);
    private static readonly int s_maxSpinners = Environment.ProcessorCount > 1 ? Environment.ProcessorCount : 0;
    private static int s_spinners;

    private readonly object _gate = new();

    // 1 = permit pending, 0 = nothing, -1 = owner parked (see the remarks).
    private int _state;

    private Parker(int id) => Id = id;

    /// <summary>The id wakers use to reach this parker.</summary>
    internal int Id { get; }

    /// <summary>The parker of the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Parker ForCurrentThread() => t_current ?? CreateForCurrentThread();

    /// <summary>The parker with <paramref name="id"/>, or <see langword="null"/> when its thread has died (a late
    /// waker may still hold the id; see the remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Parker? FromId(int id)
    {
        var table = Volatile.Read(ref s_table);
        return (uint)id < (uint)table.Length ? Volatile.Read(ref table[id]) : null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Parker CreateForCurrentThread()
    {
        Parker parker;
        lock (s_tableLock)
        {
            var id = s_freeIds.Count > 0 ? s_freeIds.Pop() : s_nextId++;
            if (id >= s_table.Length)
            {
                var grown = new Parker?[s_table.Length * 2];
                Array.Copy(s_table, grown, s_table.Length);
                Volatile.Write(ref s_table, grown);
            }

            parker = new Parker(id);
            s_table[id] = parker;
        }

        t_current = parker;
        t_sentinel = new ThreadExitSentinel(parker.Id);
        return parker;
    }

    /// <summary>Blocks until a permit is available (consuming it) or the deadline passes.</summary>
    /// <exception cref="ThreadInterruptedException">The thread was interrupted while it slept (or on entering the gate);
    /// the parker is left unparked, keeping any permit that raced in.</exception>
    /// <returns><see langword="true"/> when a permit was consumed, <see langword="false"/> on timeout.</returns>
    internal bool Park(long deadlineTicks)
    {
        // A completion this thread holds for later must not wait for this thread to wake: it may be what wakes it.
        RunNextSlot.FlushCurrent();
        if (Interlocked.CompareExchange(ref _state, 0, 1) == 1 || SpinForPermit(deadlineTicks))
        {
            return true;
        }

        lock (_gate)
        {
            // Announce that we may sleep; a concurrent Unpark either turned the state into 1 first (we consume it)
            // or will see -1 and pulse under the gate, which it can only take once we are inside Monitor.Wait.
            if (Interlocked.CompareExchange(ref _state, -1, 0) == 1)
            {
                Volatile.Write(ref _state, 0);
                return true;
            }

            while (true)
            {
                int timeoutMs;
                if (deadlineTicks == Seam.Infinite)
                {
                    timeoutMs = Timeout.Infinite;
                }
                else
                {
                    var remaining = deadlineTicks - Seam.ProductionNowTicks();
                    if (remaining <= 0)
                    {
                        // Timed out, unless a permit raced in: consume it then (the caller re-checks its state).
                        return Interlocked.Exchange(ref _state, 0) == 1;
                    }

                    timeoutMs = (int)Math.Min(int.MaxValue - 1, (remaining + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
                }

                try
                {
                    Monitor.Wait(_gate, timeoutMs);
                }
                catch (ThreadInterruptedException)
                {
                    // Monitor.Wait re-took the gate before throwing. Leave the parked state, keeping a permit that
                    // raced in (the caller's wait scope re-checks its node either way), and let the interrupt end
                    // the wait.
                    Interlocked.CompareExchange(ref _state, 0, -1);
                    throw;
                }

                if (Volatile.Read(ref _state) == 1)
                {
                    Volatile.Write(ref _state, 0);
                    return true;
                }
            }
        }
    }

    /// <summary>Spins up to <see cref="SpinBudget"/> (or the deadline) for a permit; consumes it if one comes.</summary>
    private bool SpinForPermit(long deadlineTicks)
    {
        if (s_maxSpinners <= 0 || Volatile.Read(ref s_spinners) >= s_maxSpinners)
        {
            return false;
        }

        if (Interlocked.Increment(ref s_spinners) > s_maxSpinners)
        {
            Interlocked.Decrement(ref s_spinners);
            return false;
        }

        try
        {
            var now = Stopwatch.GetTimestamp();
            var until = now + s_spinTimestamps;
            if (deadlineTicks != Seam.Infinite)
            {
                // One clock read serves both: seam ticks are scaled Stopwatch timestamps.
                var remaining = Math.Max(0, deadlineTicks - Seam.TicksFromTimestamp(now));
                until = Math.Min(until, now + Seam.TimestampsFromTicks(remaining));
            }

            var rounds = 0;
            do
            {
                for (var i = 0; i < 8; i++)
                {
                    if (Volatile.Read(ref _state) == 1 && Interlocked.CompareExchange(ref _state, 0, 1) == 1)
                    {
                        return true;
                    }

                    Thread.SpinWait(4);
                }

                // Now and then let a runnable thread on this core (perhaps the one we wait for) have it.
                if ((++rounds & 3) == 0)
                {
                    Thread.Yield();
                }
            }
            while (Stopwatch.GetTimestamp() < until);

            return false;
        }
        finally
        {
            Interlocked.Decrement(ref s_spinners);
        }
    }

    /// <summary>Hands the owner a permit and wakes it if it sleeps.</summary>
    internal void Unpark()
    {
        if (Interlocked.Exchange(ref _state, 1) == -1)
        {
            // Uninterruptible: the waker has already granted; a pending interrupt of its own must not lose the wake.
            var interrupted = Uninterruptible.Enter(_gate);
            try
            {
                Monitor.Pulse(_gate);
            }
            finally
            {
                Monitor.Exit(_gate);
                Uninterruptible.Restore(interrupted);
            }
        }
    }

    private static void Release(int id)
    {
        lock (s_tableLock)
        {
            s_table[id] = null;
            s_freeIds.Push(id);
        }
    }

    /// <summary>Returns its thread's parker id to the table when the thread has died.</summary>
    private sealed class ThreadExitSentinel(int id)
    {
        ~ThreadExitSentinel() => Release(id);
    }
}
