using System.Runtime.CompilerServices;

namespace PinSync;

/// <summary>
/// The wait-list lock inside a raw primitive: one word, unmanaged, so that it can live in a pinned struct (a
/// <see cref="Lock"/> is a managed object). Critical sections under it are a few pointer writes long and contain no
/// scheduling point, so under the explorer it is never contended.
/// </summary>
/// <remarks>
/// Spinning escalates from processor pauses to <see cref="Thread.Yield"/> and <c>Thread.Sleep(0)</c> (never
/// <c>Sleep(1)</c>): on two cores a preempted holder must get the core back quickly.
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
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref _held) != 0 || Interlocked.CompareExchange(ref _held, 1, 0) != 0);
    }
}
