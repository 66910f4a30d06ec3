namespace PinSync.Testing.Engine;

/// <summary>
/// An auto-reset event for handing the baton to one waiting thread: cheap when the signal comes while the waiter
/// still spins, and touching a monitor only when the waiter really sleeps.
/// </summary>
/// <remarks>
/// Implementation notes. <see cref="_state"/> is <c>0</c> (no signal), <c>1</c> (signaled, not consumed yet) or
/// <c>-1</c> (the waiter sleeps, or is about to, on <see cref="_monitor"/>). <see cref="Signal"/> sets 1 with one
/// exchange and pulses under the monitor only when it replaced -1; <see cref="Wait()"/> first spins a little
/// (the signal may already be on its way), then announces -1 under the monitor and sleeps until the state is 1.
/// One signaler and one waiter at a time (the baton protocol guarantees it). Measured against
/// <see cref="SemaphoreSlim"/> (which spins longer and whose release always takes its monitor): that one stalled for
/// seconds on two cores while the JIT tiered up, since spinning waiters took the cores from the running operation.
/// </remarks>
internal sealed class Gate
{
    // Measured on two cores (2-operation programs): 4 x SpinWait(8) ~25k iterations/s; 64 x 32 ~3k/s; 4000 x 32
    // ~20/s. Waiters that spin longer steal the core of the one running operation, so the gate barely spins.
    private const int SpinIterations = 4;
    private const int SpinUnit = 8;

    private readonly object _monitor = new();
    private int _state;

    /// <summary>Signals the gate (wakes the waiter, or lets its next wait pass).</summary>
    internal void Signal()
    {
        if (Interlocked.Exchange(ref _state, 1) == -1)
        {
            lock (_monitor)
            {
                Monitor.Pulse(_monitor);
            }
        }
    }

    /// <summary>Waits for a signal and consumes it.</summary>
    internal void Wait() => Wait(Timeout.Infinite);

    /// <summary>Waits at most <paramref name="timeout"/>; <see langword="false"/> when it passed without a signal.</summary>
    internal bool Wait(TimeSpan timeout) => Wait((int)Math.Min(int.MaxValue, timeout.TotalMilliseconds));

    private bool Wait(int timeoutMs)
    {
        for (var i = 0; i < SpinIterations; i++)
        {
            if (Interlocked.CompareExchange(ref _state, 0, 1) == 1)
            {
                return true;
            }

            Thread.SpinWait(SpinUnit);
        }

        lock (_monitor)
        {
            if (Interlocked.CompareExchange(ref _state, -1, 0) == 1)
            {
                Volatile.Write(ref _state, 0);
                return true;
            }

            while (Volatile.Read(ref _state) != 1)
            {
                if (!Monitor.Wait(_monitor, timeoutMs) && Volatile.Read(ref _state) != 1)
                {
                    // Timed out: withdraw the announcement, unless a signal raced in (then take it).
                    return Interlocked.CompareExchange(ref _state, 0, -1) != -1 && Interlocked.Exchange(ref _state, 0) == 1;
                }
            }

            Volatile.Write(ref _state, 0);
            return true;
        }
    }
}
