namespace PinSync.Pinning;

/// <summary>
/// Hand-written in-place initialization code, the body of <see cref="PinInit.FromClosure{T, TError}"/> (the
/// counterpart of pin-init's <c>pin_init_from_closure</c>).
/// </summary>
/// <typeparam name="T">The unmanaged type to build.</typeparam>
/// <typeparam name="TError">What a failure reports.</typeparam>
/// <param name="slot">The final address of the value: uninitialized, writable, aligned.</param>
/// <param name="error">On failure, what went wrong.</param>
/// <returns>
/// <see langword="true"/> when <c>*slot</c> holds a valid value; <see langword="false"/> when it does not and nothing
/// in it needs cleaning up.
/// </returns>
/// <remarks><b>Safety:</b> an implementation must keep the <see cref="IPinInit{T, TError}"/> contract: on
/// <see langword="false"/> it must already have dropped every part it built, and it must never move the value or
/// keep <paramref name="slot"/> beyond what the value itself stores.</remarks>
public unsafe delegate bool PinInitClosure<T, TError>(T* slot, out TError error)
    where T : unmanaged;
