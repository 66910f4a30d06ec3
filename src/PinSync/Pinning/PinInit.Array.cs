using PinSync.Internal;

namespace PinSync.Pinning;

public static unsafe partial class PinInit
{
    /// <summary>Makes an initializer for <paramref name="count"/> contiguous elements, element <c>i</c> built by
    /// <paramref name="element"/>(i); when one fails, those before it are dropped in reverse order, once each.</summary>
    /// <typeparam name="T">The unmanaged element type.</typeparam>
    /// <typeparam name="TError">What a failure reports.</typeparam>
    /// <param name="count">How many elements; at least 1.</param>
    /// <param name="element">Builds one element, for example
    /// <c>(i, slot, out e) =&gt; PinInit.Value(new Node(i)).TryInit(slot, out e)</c>.</param>
    /// <returns>An initializer for the run; use it with <c>PinBox&lt;T&gt;.CreateArray</c> or
    /// <see cref="ArrayInit{T, TError}.TryInit(T*, out TError)"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is zero or negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="element"/> is <see langword="null"/>.</exception>
    public static ArrayInit<T, TError> Array<T, TError>(int count, ArrayElementInit<T, TError> element)
        where T : unmanaged => new(count, element);

    /// <summary>Builds <paramref name="count"/> contiguous elements in memory the caller owns, reporting failure as a
    /// value.</summary>
    /// <typeparam name="T">The unmanaged element type.</typeparam>
    /// <typeparam name="TError">What a failure reports.</typeparam>
    /// <param name="first">The address of element 0.</param>
    /// <param name="count">How many elements; zero builds nothing.</param>
    /// <param name="element">Builds one element.</param>
    /// <param name="error">On failure, the failing element's error.</param>
    /// <returns><see langword="true"/> when every element is built; <see langword="false"/> when element <c>k</c>
    /// failed, in which case elements <c>k-1 … 0</c> have been dropped, in that order, once each. If an element
    /// throws, the same rollback happens before the exception propagates.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="element"/> is <see langword="null"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass <paramref name="count"/> contiguous, aligned, writable slots that
    /// do not move, and on success must drop the elements (<see cref="PinDrop.DropRange{T}(T*, int)"/>) exactly once.</remarks>
    public static bool TryInPlaceArray<T, TError>(T* first, int count, ArrayElementInit<T, TError> element, out TError error)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(element);
        error = default!;
        int built = 0;
        try
        {
            for (; built < count; built++)
            {
                // SAFETY: built < count, so first + built is one of the caller's slots; it is not yet initialized.
                if (!element(built, first + built, out error))
                {
                    // SAFETY: elements [0, built) are initialized and owned here; DropRange drops them last first.
                    PinDrop.DropRange(first, built);
                    return false;
                }
            }
        }
        catch
        {
            // SAFETY: the throwing element rolled itself back (contract); [0, built) are ours to drop, in reverse.
            PinDrop.DropRange(first, built);
            throw;
        }

        return true;
    }

    /// <summary>Builds <paramref name="count"/> contiguous elements in memory the caller owns, throwing on failure.</summary>
    /// <typeparam name="T">The unmanaged element type.</typeparam>
    /// <typeparam name="TError">What a failure reports.</typeparam>
    /// <param name="first">The address of element 0.</param>
    /// <param name="count">How many elements; zero builds nothing.</param>
    /// <param name="element">Builds one element.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="element"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">An element failed; the message names its error. The elements
    /// before it have been dropped in reverse order.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="TryInPlaceArray{T, TError}"/>.</remarks>
    public static void InPlaceArray<T, TError>(T* first, int count, ArrayElementInit<T, TError> element)
        where T : unmanaged
    {
        // SAFETY: forwarded contract.
        if (!TryInPlaceArray(first, count, element, out TError error))
        {
            ThrowHelper.ThrowInvalidOperationException_InitializerFailed(error);
        }
    }
}
