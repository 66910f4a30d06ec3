namespace PinSync.Pinning;

/// <summary>
/// Builds element <paramref name="index"/> of a contiguous run in place, the body of
/// <see cref="PinInit.Array{T, TError}(int, ArrayElementInit{T, TError})"/>. A typical body forwards to another
/// initializer: <c>(i, slot, out e) =&gt; PinInit.Value(new Node(i)).TryInit(slot, out e)</c>.
/// </summary>
/// <typeparam name="T">The unmanaged element type.</typeparam>
/// <typeparam name="TError">What a failure reports.</typeparam>
/// <param name="index">The index of the element, from 0 up.</param>
/// <param name="slot">The element's final address: uninitialized, writable, aligned.</param>
/// <param name="error">On failure, what went wrong.</param>
/// <returns><see langword="true"/> when the element is built; <see langword="false"/> when it is not and nothing in
/// it needs cleaning up.</returns>
/// <remarks><b>Safety:</b> an implementation must keep the <see cref="IPinInit{T, TError}"/> contract for the one
/// element it builds and must not touch the other elements.</remarks>
public unsafe delegate bool ArrayElementInit<T, TError>(int index, T* slot, out TError error)
    where T : unmanaged;
