using System.Runtime.CompilerServices;
using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// Presents an infallible initializer as one with any error type, so that it composes with fallible ones (a
/// <see cref="PinInit.Zeroed{T}"/> field in a struct whose other fields can fail); made by
/// <see cref="PinInit.WithError{T, TError, TInit}(TInit)"/> and used by <c>InfallibleField</c>.
/// </summary>
/// <typeparam name="T">The unmanaged type to build.</typeparam>
/// <typeparam name="TError">The error type to present.</typeparam>
/// <typeparam name="TInner">The infallible initializer.</typeparam>
public readonly unsafe struct WidenErrorInit<T, TError, TInner> : IPinInit<T, TError>
    where T : unmanaged
    where TInner : IPinInit<T, Infallible>
{
    private readonly TInner _inner;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The infallible initializer.</param>
    public WidenErrorInit(TInner inner) => _inner = inner;

    /// <summary>Runs the inner initializer.</summary>
    /// <param name="slot">The final address of the value.</param>
    /// <param name="error">Always the default.</param>
    /// <returns>Always <see langword="true"/>.</returns>
    /// <exception cref="InvalidOperationException">The inner initializer broke its contract and failed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot and own the value afterwards.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryInit(T* slot, out TError error)
    {
        error = default!;

        // SAFETY: forwarded contract.
        if (!_inner.TryInit(slot, out _))
        {
            ThrowHelper.ThrowInvalidOperationException_InfallibleInitializerFailed();
        }

        return true;
    }
}
