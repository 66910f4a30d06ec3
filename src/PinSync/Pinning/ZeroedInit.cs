using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PinSync.Pinning;

/// <summary>
/// An initializer that fills the slot with zero bytes (the value <c>default(T)</c>, written in place, never built on
/// the stack). Made by <see cref="PinInit.Zeroed{T}"/>; it cannot fail and may be used any number of times.
/// </summary>
/// <typeparam name="T">The unmanaged type to build.</typeparam>
public readonly unsafe struct ZeroedInit<T> : IPinInit<T, Infallible>
    where T : unmanaged
{
    /// <summary>Zeroes <c>sizeof(T)</c> bytes at <paramref name="slot"/>.</summary>
    /// <param name="slot">The final address of the value.</param>
    /// <param name="error">Always the default.</param>
    /// <returns>Always <see langword="true"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, writable slot of at least <c>sizeof(T)</c> bytes.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryInit(T* slot, out Infallible error)
    {
        // SAFETY: the caller guarantees sizeof(T) writable bytes at slot; clearing them never copies a T on the stack.
        NativeMemory.Clear(slot, (nuint)sizeof(T));
        error = default;
        return true;
    }
}
