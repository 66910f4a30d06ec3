namespace PinSync.Pinning;

/// <summary>
/// An in-place, fallible initializer: writes a <typeparamref name="T"/> directly into a slot at its final address,
/// the C# counterpart of Rust's <c>PinInit&lt;T, E&gt;</c>.
/// </summary>
/// <typeparam name="T">The unmanaged type to build. It may point at itself, since the slot never moves.</typeparam>
/// <typeparam name="TError">What a failure reports (an error code, an exception, a message).</typeparam>
/// <remarks>
/// Implement it with a struct and take it as a constrained generic (<c>where TInit : IPinInit&lt;T, E&gt;</c>) so
/// that the hot path neither boxes nor calls through an interface; <c>PinInit.FromClosure</c> makes one from a
/// delegate. An initializer may be used once or many times, as its documentation says.
/// </remarks>
public unsafe interface IPinInit<T, TError>
    where T : unmanaged
{
    /// <summary>Builds the value in <paramref name="slot"/>.</summary>
    /// <param name="slot">The final address of the value: uninitialized memory, writable, aligned for
    /// <typeparamref name="T"/>.</param>
    /// <param name="error">On failure, what went wrong; otherwise the default.</param>
    /// <returns>
    /// <see langword="true"/> when <c>*slot</c> holds a valid <typeparamref name="T"/>; <see langword="false"/> when
    /// it does not, in which case nothing in <c>*slot</c> needs cleaning up: every part that was already built has
    /// been dropped again.
    /// </returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot and must not move the value
    /// afterwards; once it returns <see langword="true"/>, the caller owns the value and must drop it (see
    /// <see cref="IPinnedDrop"/>) exactly once, at the same address.</remarks>
    bool TryInit(T* slot, out TError error);
}
