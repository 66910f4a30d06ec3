using System.Runtime.CompilerServices;

namespace PinSync.Pinning;

/// <summary>
/// An initializer that writes a copy of a ready-made value into the slot. Made by <see cref="PinInit.Value{T}"/>; it
/// cannot fail and may be used any number of times.
/// </summary>
/// <typeparam name="T">The unmanaged type to build.</typeparam>
/// <remarks>
/// The value is built first (on the stack or in this struct) and then copied, so it must not point at itself; use it
/// for plain data, and <see cref="PinInit.Zeroed{T}"/>, <see cref="PinInit.FromClosure{T, TError}"/> or a struct
/// initializer for large or self-referential values.
/// </remarks>
public readonly unsafe struct ValueInit<T> : IPinInit<T, Infallible>
    where T : unmanaged
{
    private readonly T _value;

    /// <summary>Makes an initializer that writes <paramref name="value"/>.</summary>
    /// <param name="value">The value to write.</param>
    public ValueInit(T value) => _value = value;

    /// <summary>Writes the value into <paramref name="slot"/>.</summary>
    /// <param name="slot">The final address of the value.</param>
    /// <param name="error">Always the default.</param>
    /// <returns>Always <see langword="true"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryInit(T* slot, out Infallible error)
    {
        // SAFETY: the caller guarantees a valid, aligned, writable slot.
        *slot = _value;
        error = default;
        return true;
    }
}
