namespace PinSync.Pinning;

/// <summary>
/// An initializer that builds some fields of a struct in place and can take exactly those fields down again: the
/// building block of <see cref="PinInit.Struct{T, TError}(bool)"/> and of the code the <c>[PinData]</c> source
/// generator emits.
/// </summary>
/// <typeparam name="T">The struct whose fields are built.</typeparam>
/// <typeparam name="TError">What a failure reports.</typeparam>
public unsafe interface IPinFieldsInit<T, TError> : IPinInit<T, TError>
    where T : unmanaged
{
    /// <summary>
    /// Drops, in reverse order of construction, every field that <see cref="IPinInit{T, TError}.TryInit"/> built
    /// (used to roll back when a later field fails).
    /// </summary>
    /// <param name="slot">The struct whose fields were built by a successful <c>TryInit</c> of this initializer.</param>
    /// <remarks><b>Safety:</b> the caller must call it at most once, after a successful <c>TryInit</c> on the same
    /// <paramref name="slot"/>, and not use those fields afterwards.</remarks>
    void DropFields(T* slot);
}
