using System.Runtime.CompilerServices;

namespace PinSync;

/// <summary>
/// The wait-list lock inside a raw primitive: one word, unmanaged, so that it can live in a pinned struct (a
/// <see cref="Lock"/> is a managed object). Critical sections under it are a few pointer writes long and contain no
/// scheduling point, so under the explorer it is never contended.
/// </summary>
/// <remarks>
/// <para>Spinning escalates from processor pauses to <see cref="Thread.Yield"/>: on two cores a preempted holder must
/// get the core back quickly.</para>
/// <para>Never interruptible: it never calls <c>Thread.Sleep</c> (not even <c>Sleep(0)</c>, which throws
/// <see cref="ThreadInterruptedException"/> when an interrupt is pending) nor any other alertable wait. Wakers and the
/// settle step of every wait scope take this lock after they have changed shared state; an exception there would
/// leave a grant half done or a stack node linked.</para>
/// </remarks>
internal struct RawSpinLock
{
    // 0 = free, 1 = held.
    private int _held;

    /// <summary>Whether the lock is held by someone (diagnostics only).</summary>
    internal readonly bool IsHeld => Volatile.Read(in _held) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Enter()
    {
        if (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
        {
            EnterSlow();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Exit() => Volatile.Write(ref _held, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterSlow()
    {
        // Not SpinWait.SpinOnce: past its spin phase it calls Thread.Sleep(0), which is interruptible.
        var round = 0;
        do
        {
            if (round < 10)
            {
                Thread.SpinWait(4 << round);
                round++;
            }
            else
            {
                Thread.Yield();
            }
        }
        while (Volatile.Read(ref _held) != 0 || Interlocked.CompareExchange(ref _held, 1, 0) != 0);
    }
}
