using PinSync.Internal;

namespace PinSync.Scheduling;

/// <summary>
/// The backstop of <see cref="RunNextSlot"/>: a timer that ticks every millisecond while slots are in use and moves
/// a completion that sat in a slot for a whole tick (its thread's continuation runs long, or blocks on something
/// outside PinSync — for example <c>Task.Wait</c> on the very task that completion would advance) to the thread pool.
/// Without it such a wait would never end; with it the completion is delayed by at most about two ticks.
/// </summary>
/// <remarks>
/// The timer is armed by the first put after it went idle (<see cref="EnsureArmed"/>) and disarms itself after
/// <see cref="IdleTicks"/> ticks that saw no completion in any slot. Disarming is a write of the armed flag, a full
/// fence and a re-scan of the slots, and a put is a full fence before it reads the flag, so a put is either found by
/// the re-scan or re-arms the timer. The tick runs on a thread-pool thread, as every <see cref="Timer"/> callback:
/// when the pool is starved the tick is late, and so is every queued work item.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A process-lifetime singleton; its timer lives as long as the process.")]
internal static class RunNextRescue
{
    /// <summary>The tick, in milliseconds.</summary>
    internal const int TickMilliseconds = 1;

    /// <summary>Quiet ticks before the timer disarms.</summary>
    internal const int IdleTicks = 64;

    /// <summary>Ticks between prunes of ended threads' slots (a power of two), besides the prune at each disarm.</summary>
    internal const int PruneTicks = 1024;

    // Tests only: no rescue (the mutant the rescue tests must catch).
    internal static volatile bool s_disabled;

    private static readonly Lock s_lock = new();
    private static readonly Timer s_timer = CreateTimer();

    // Every thread's slot (copy on write under s_lock); slots of threads that ended are pruned while the timer ticks.
    private static RunNextSlot[] s_slots = [];

    private static int s_armed;
    private static int s_ticking;
    private static int s_idle;
    private static int s_ticks;
    private static long s_rescued;

    /// <summary>Completions moved to the thread pool so far (diagnostics and tests).</summary>
    internal static long Rescued => Interlocked.Read(ref s_rescued);

    /// <summary>Adds a new thread's slot.</summary>
    internal static void Register(RunNextSlot slot)
    {
        // Uninterruptible (here and below): a completion's continuation may run with an interrupt pending, and its put
        // must neither throw after the item is in the slot nor leave the timer stopped while the flag says armed.
        var interrupted = Uninterruptible.Enter(s_lock);
        try
        {
            s_slots = [.. s_slots, slot];
        }
        finally
        {
            s_lock.Exit();
            Uninterruptible.Restore(interrupted);
        }
    }

    /// <summary>Called after a put (which is a full fence): arms the timer unless it is armed. Never throws.</summary>
    internal static void EnsureArmed()
    {
        if (Volatile.Read(ref s_armed) == 0 && Interlocked.CompareExchange(ref s_armed, 1, 0) == 0)
        {
            s_idle = 0;
            Change(TickMilliseconds);
        }
    }

    /// <summary><see cref="Timer.Change(int, int)"/> (period = due time), whatever interrupts arrive.</summary>
    private static void Change(int milliseconds)
    {
        var interrupted = false;
        while (true)
        {
            try
            {
                s_timer.Change(milliseconds, milliseconds);
                break;
            }
            catch (ThreadInterruptedException)
            {
                interrupted = true; // the timer queue's lock was contended; absorbed, raised again below
            }
        }

        Uninterruptible.Restore(interrupted);
    }

    private static Timer CreateTimer()
    {
        using (ExecutionContext.SuppressFlow())
        {
            return new Timer(static _ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
        }
    }

    private static void Tick()
    {
        if (Interlocked.Exchange(ref s_ticking, 1) != 0)
        {
            return; // a slow tick is still running
        }

        try
        {
            if ((++s_ticks & (PruneTicks - 1)) == 0)
            {
                Prune();
            }

            if (Sweep())
            {
                s_idle = 0;
                return;
            }

            if (++s_idle < IdleTicks)
            {
                return;
            }

            // Disarm, then look once more: a put that read the flag before it was cleared is found here.
            Change(Timeout.Infinite);
            Interlocked.Exchange(ref s_armed, 0);
            if (AnyPending())
            {
                EnsureArmed();
            }

            Prune();
        }
        finally
        {
            Volatile.Write(ref s_ticking, 0);
        }
    }

    /// <summary>Moves every completion that sat in its slot since the last tick; returns whether any slot held one.</summary>
    private static bool Sweep()
    {
        var busy = false;
        foreach (var slot in Volatile.Read(ref s_slots))
        {
            var item = slot.Item;
            var puts = slot.Puts;
            if (item is null)
            {
                slot.Seen(null, 0);
                continue;
            }

            busy = true;
            if (slot.SeenBefore(item, puts) && !s_disabled && slot.TrySteal(item))
            {
                Interlocked.Increment(ref s_rescued);
                ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
                slot.Seen(null, 0);
                continue;
            }

            slot.Seen(item, puts);
        }

        return busy;
    }

    private static bool AnyPending()
    {
        foreach (var slot in Volatile.Read(ref s_slots))
        {
            if (slot.Item is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Drops the slots of threads that ended (an ended thread's slot is empty: it drains before it returns).</summary>
    private static void Prune()
    {
        var interrupted = Uninterruptible.Enter(s_lock);
        try
        {
            if (Array.Exists(s_slots, static slot => !slot.Owner.IsAlive))
            {
                s_slots = Array.FindAll(s_slots, static slot => slot.Owner.IsAlive);
            }
        }
        finally
        {
            s_lock.Exit();
            Uninterruptible.Restore(interrupted);
        }
    }
}
