using System.Runtime.CompilerServices;
using PinSync.Pinning;

namespace PinSync;

/// <summary>
/// The in-place initializer of a <see cref="RawSemaphore"/>: <see cref="InitialCount"/> permits available, at most
/// <see cref="MaxCount"/>, and an empty wait list. Obtain it with <see cref="RawSemaphore.Init"/>. Fallible: it fails
/// with a <see cref="RawSemaphoreInitError"/> (leaving nothing to clean up in the slot) when the counts are out of
/// range. Immutable; may be used any number of times.
/// </summary>
public readonly struct InitRawSemaphore : IPinInit<RawSemaphore, RawSemaphoreInitError>
{
    /// <summary>Creates an initializer; the counts are validated when it runs.</summary>
    /// <param name="initialCount">The permits available at first: 0 to <paramref name="maxCount"/>.</param>
    /// <param name="maxCount">The largest count: positive.</param>
    public InitRawSemaphore(int initialCount, int maxCount)
    {
        InitialCount = initialCount;
        MaxCount = maxCount;
    }

    /// <summary>The permits available at first.</summary>
    public int InitialCount { get; }

    /// <summary>The largest count.</summary>
    public int MaxCount { get; }

    /// <summary>Builds the semaphore in <paramref name="slot"/>, or fails without touching it.</summary>
    /// <param name="slot">The semaphore's final address: writable and aligned; its previous contents are ignored.</param>
    /// <param name="error">On failure, which count was out of range; otherwise <see cref="RawSemaphoreInitError.None"/>.</param>
    /// <returns><see langword="true"/> when <c>*slot</c> holds a valid semaphore; <see langword="false"/> when the
    /// counts are out of range (the slot was not written).</returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot at the semaphore's final address
    /// and must not move the semaphore afterwards (its wait list points at itself).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe bool TryInit(RawSemaphore* slot, out RawSemaphoreInitError error)
    {
        if (MaxCount <= 0)
        {
            error = RawSemaphoreInitError.MaxCountNotPositive;
            return false;
        }

        if ((uint)InitialCount > (uint)MaxCount)
        {
            error = RawSemaphoreInitError.InitialCountOutOfRange;
            return false;
        }

        // SAFETY: the IPinInit contract gives a valid slot at its final address; the wait list is built there.
        RawSemaphore.InitInPlace(slot, InitialCount, MaxCount);
        error = RawSemaphoreInitError.None;
        return true;
    }
}
