using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using PinSync.Pinning;

namespace PinSync;

/// <summary>
/// The in-place initializer of a <see cref="RawWaitQueue"/>: an empty queue, not disposed. Obtain it with
/// <see cref="RawWaitQueue.Init"/>. Stateless and infallible; may be used any number of times.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The name is the public contract (DESIGN.md §3): the kernel's wait queue's initializer, not a collection.")]
public readonly struct InitRawWaitQueue : IPinInit<RawWaitQueue, Infallible>
{
    /// <summary>Builds an empty wait queue in <paramref name="slot"/>.</summary>
    /// <param name="slot">The queue's final address: writable and aligned; its previous contents are ignored.</param>
    /// <param name="error">Always the default: this initializer cannot fail.</param>
    /// <returns>Always <see langword="true"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot at the queue's final address and
    /// must not move the queue afterwards (its wait lists point at themselves).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe bool TryInit(RawWaitQueue* slot, out Infallible error)
    {
        // SAFETY: the IPinInit contract gives a valid slot at its final address; the list heads are built there.
        RawWaitQueue.InitInPlace(slot);
        error = default;
        return true;
    }
}
