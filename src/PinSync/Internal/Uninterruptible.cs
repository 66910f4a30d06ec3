using PinSync.Scheduling;

namespace PinSync.Internal;

/// <summary>
/// Lock entries that a <see cref="Thread.Interrupt"/> cannot break. A contended <c>Monitor.Enter</c> or
/// <see cref="Lock.Enter"/> is an alertable wait: with an interrupt pending it throws
/// <see cref="ThreadInterruptedException"/>. Code that runs after shared state was changed — a waker between its grant
/// and the unpark, a timer cancellation inside a completion, the settle step of a wait scope — must not stop halfway,
/// so it enters through here: an interrupt that arrives meanwhile is absorbed and raised again (kept pending) after
/// the lock is released, for the thread's next blocking call, as <see cref="Monitor.Wait(object)"/> keeps one while
/// it re-acquires its monitor.
/// </summary>
internal static class Uninterruptible
{
    /// <summary>Enters <paramref name="gate"/>'s monitor, whatever interrupts arrive.</summary>
    /// <returns>Whether an interrupt was absorbed: pass it to <see cref="Restore"/> after the monitor is exited.</returns>
    internal static bool Enter(object gate)
    {
        var interrupted = false;
        while (true)
        {
            try
            {
                Monitor.Enter(gate);
                return interrupted;
            }
            catch (ThreadInterruptedException)
            {
                interrupted = true;
            }
        }
    }

    /// <summary>Enters <paramref name="gate"/>, whatever interrupts arrive.</summary>
    /// <returns>Whether an interrupt was absorbed: pass it to <see cref="Restore"/> after the lock is exited.</returns>
    internal static bool Enter(Lock gate)
    {
        var interrupted = false;
        while (true)
        {
            try
            {
                gate.Enter();
                return interrupted;
            }
            catch (ThreadInterruptedException)
            {
                interrupted = true;
            }
        }
    }

    /// <summary>Raises an absorbed interrupt again: the thread's next blocking call throws it.</summary>
    internal static void Restore(bool interrupted)
    {
        if (interrupted)
        {
            Seam.RaiseInterrupt();
        }
    }
}
