namespace PinSync.Pinning;

/// <summary>
/// Code that runs on a value that is already built and pinned, the body of
/// <see cref="PinInit.Chain{T, TError, TInit}(TInit, PinChainAction{T, TError})"/>.
/// </summary>
/// <typeparam name="T">The unmanaged type of the value.</typeparam>
/// <typeparam name="TError">What a failure reports.</typeparam>
/// <param name="value">The initialized value at its final address.</param>
/// <param name="error">On failure, what went wrong.</param>
/// <returns>
/// <see langword="true"/> on success; <see langword="false"/> to fail the whole initializer, in which case the value
/// (still valid: the action must leave it droppable) is dropped.
/// </returns>
/// <remarks><b>Safety:</b> an implementation must leave <c>*value</c> a valid, droppable value on every path, must
/// not drop it itself, and must not move it.</remarks>
public unsafe delegate bool PinChainAction<T, TError>(T* value, out TError error)
    where T : unmanaged;
