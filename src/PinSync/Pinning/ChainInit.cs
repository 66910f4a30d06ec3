using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// An initializer that runs an inner initializer and then more code on the pinned result, dropping the value if that
/// code fails; made by <see cref="PinInit.Chain{T, TError, TInit}(TInit, PinChainAction{T, TError})"/>.
/// </summary>
/// <typeparam name="T">The unmanaged type to build.</typeparam>
/// <typeparam name="TError">What a failure reports.</typeparam>
/// <typeparam name="TInner">The initializer that builds the value first.</typeparam>
public readonly unsafe struct ChainInit<T, TError, TInner> : IPinInit<T, TError>
    where T : unmanaged
    where TInner : IPinInit<T, TError>
{
    private readonly TInner _inner;
    private readonly PinChainAction<T, TError> _action;

    /// <summary>Combines <paramref name="inner"/> with <paramref name="action"/>.</summary>
    /// <param name="inner">Builds the value.</param>
    /// <param name="action">Runs on the built value.</param>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public ChainInit(TInner inner, PinChainAction<T, TError> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _inner = inner;
        _action = action;
    }

    /// <summary>Builds the value with the inner initializer, then runs the action on it.</summary>
    /// <param name="slot">The final address of the value.</param>
    /// <param name="error">The inner initializer's or the action's error; otherwise the default.</param>
    /// <returns>
    /// <see langword="true"/> when both succeed; <see langword="false"/> when either fails (if the action failed, the
    /// value has been dropped again).
    /// </returns>
    /// <exception cref="InvalidOperationException">The initializer is a <see langword="default"/> instance.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot and own the value on success.</remarks>
    public bool TryInit(T* slot, out TError error)
    {
        if (_action is null)
        {
            ThrowHelper.ThrowInvalidOperationException_DefaultInitializer();
        }

        // SAFETY: forwarded contract; the inner initializer's own rollback covers its failure.
        if (!_inner.TryInit(slot, out error))
        {
            return false;
        }

        bool ok;
        try
        {
            // SAFETY: *slot is initialized and pinned; the action's author vouched to leave it droppable.
            ok = _action(slot, out error);
        }
        catch
        {
            // SAFETY: the value is initialized and no longer wanted; drop it once before the exception leaves.
            PinDrop.Drop(slot);
            throw;
        }

        if (!ok)
        {
            // SAFETY: same as above: the value is valid and we own it until we report failure.
            PinDrop.Drop(slot);
        }

        return ok;
    }
}
