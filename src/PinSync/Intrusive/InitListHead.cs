using System.Runtime.CompilerServices;
using PinSync.Pinning;

namespace PinSync.Intrusive;

/// <summary>
/// The in-place initializer of an empty list head (see <see cref="ListHead.Init(ListHead*)"/>); it never fails.
/// Obtain it with <see cref="ListHead.Initializer"/>. Stateless, so it may be used any number of times.
/// </summary>
public readonly struct InitListHead : IPinInit<ListHead, Infallible>
{
    /// <summary>Makes <paramref name="slot"/> an empty list: both links point at the slot itself.</summary>
    /// <param name="slot">The head's final address: writable and aligned; its previous contents are ignored.</param>
    /// <param name="error">Always the default: this initializer cannot fail.</param>
    /// <returns>Always <see langword="true"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot at the head's final address and
    /// must not move the head afterwards (it points at itself).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe bool TryInit(ListHead* slot, out Infallible error)
    {
        // SAFETY: the caller passes a valid slot at its final address (IPinInit contract), as Init requires.
        ListHead.Init(slot);
        error = default;
        return true;
    }
}
