using System.Runtime.CompilerServices;
using PinSync.Pinning;

namespace PinSync;

/// <summary>
/// The in-place initializer of a <see cref="RawCondVar"/>: unlocked, with an empty wait list. Obtain it with
/// <see cref="RawCondVar.Init"/>. Stateless and infallible; may be used any number of times.
/// </summary>
public readonly struct InitRawCondVar : IPinInit<RawCondVar, Infallible>
{
    /// <summary>Builds an empty condition variable in <paramref name="slot"/>.</summary>
    /// <param name="slot">The mutex's final address: writable and aligned; its previous contents are ignored.</param>
    /// <param name="error">Always the default: this initializer cannot fail.</param>
    /// <returns>Always <see langword="true"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot at the condition variable's final address and
    /// must not move the condition variable afterwards (its wait list points at itself).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe bool TryInit(RawCondVar* slot, out Infallible error)
    {
        // SAFETY: the IPinInit contract gives a valid slot at its final address; the wait list is built there.
        RawCondVar.InitInPlace(slot);
        error = default;
        return true;
    }
}
