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

    // Tests only: no rescue (the mutant the rescue tests must catch).
    internal static volatile bool s_disabled;

    private static readonly Lock s_lock = new();
    private static readonly Timer s_timer = CreateTimer();

    // Every thread's slot (copy on write under s_lock); slots of threads that ended are pruned while the timer ticks.
    private static RunNextSlot[] s_slots = [];

    // What each slot held at the last tick (tick only; parallel to s_slots, rebuilt when it changes).
    private static Seen[] s_seen = [];

    private static int s_armed;
    private static int s_ticking;
    private static int s_idle;
    private static long s_rescued;

    /// <summary>Completions moved to the thread pool so far (diagnostics and tests).</summary>
    internal static long Rescued => Interlocked.Read(ref s_rescued);

    /// <summary>Adds a new thread's slot.</summary>
    internal static void Register(RunNextSlot slot)
    {
        lock (s_lock)
        {
            s_slots = [.. s_slots, slot];
        }
    }

    /// <summary>Called after a put (which is a full fence): arms the timer unless it is armed.</summary>
    internal static void EnsureArmed()
    {
        if (Volatile.Read(ref s_armed) == 0 && Interlocked.CompareExchange(ref s_armed, 1, 0) == 0)
        {
            s_idle = 0;
            s_timer.Change(TickMilliseconds, TickMilliseconds);
        }
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
            s_timer.Change(Timeout.Infinite, Timeout.Infinite);
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
        var slots = Volatile.Read(ref s_slots);
        if (s_seen.Length != slots.Length)
        {
            s_seen = new Seen[slots.Length]; // a slot was added: start its history afresh
        }

        var busy = false;
        for (var i = 0; i < slots.Length; i++)
        {
            var slot = slots[i];
            var item = slot.Item;
            var puts = slot.Puts;
            ref var seen = ref s_seen[i];
            if (item is null)
            {
                seen = default;
                continue;
            }

            busy = true;
            if (ReferenceEquals(seen.Slot, slot) && ReferenceEquals(seen.Item, item) && seen.Puts == puts
                && !s_disabled && slot.TrySteal(item))
            {
                Interlocked.Increment(ref s_rescued);
                ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
                seen = default;
                continue;
            }

            seen = new Seen(slot, item, puts);
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
        lock (s_lock)
        {
            if (Array.Exists(s_slots, static slot => !slot.Owner.IsAlive))
            {
                s_slots = Array.FindAll(s_slots, static slot => slot.Owner.IsAlive);
            }
        }
    }

    private readonly record struct Seen(RunNextSlot? Slot, IThreadPoolWorkItem? Item, int Puts);
}
