using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// An initializer that runs a <see cref="PinInitClosure{T, TError}"/>; made by
/// <see cref="PinInit.FromClosure{T, TError}"/>. It may be used as many times as the closure allows.
/// </summary>
/// <typeparam name="T">The unmanaged type to build.</typeparam>
/// <typeparam name="TError">What a failure reports.</typeparam>
/// <remarks>The delegate is the only allocation (once, when the closure is created; a static lambda is cached).</remarks>
public readonly unsafe struct ClosureInit<T, TError> : IPinInit<T, TError>
    where T : unmanaged
{
    private readonly PinInitClosure<T, TError> _closure;

    /// <summary>Wraps <paramref name="closure"/>.</summary>
    /// <param name="closure">The initialization code.</param>
    /// <exception cref="ArgumentNullException"><paramref name="closure"/> is <see langword="null"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must supply a closure that keeps the <see cref="IPinInit{T, TError}"/>
    /// contract (see <see cref="PinInitClosure{T, TError}"/>).</remarks>
    public ClosureInit(PinInitClosure<T, TError> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        _closure = closure;
    }

    /// <summary>Runs the closure on <paramref name="slot"/>.</summary>
    /// <param name="slot">The final address of the value.</param>
    /// <param name="error">On failure, the closure's error; otherwise the default.</param>
    /// <returns>What the closure returns.</returns>
    /// <exception cref="InvalidOperationException">The initializer is a <see langword="default"/> instance.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot and own the value on success.</remarks>
    public bool TryInit(T* slot, out TError error)
    {
        if (_closure is null)
        {
            ThrowHelper.ThrowInvalidOperationException_DefaultInitializer();
        }

        // SAFETY: forwarded contract: the caller passes a valid slot; the closure's author vouched for its body.
        return _closure(slot, out error);
    }
}
