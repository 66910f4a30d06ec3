using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// An initializer for a contiguous run of <see cref="Count"/> elements, built in index order in place; when element
/// <c>k</c> fails, elements <c>k-1 … 0</c> are dropped in that order, once each. Made by
/// <see cref="PinInit.Array{T, TError}(int, ArrayElementInit{T, TError})"/> and consumed by
/// <c>PinBox&lt;T&gt;.CreateArray</c> or <see cref="TryInit(T*, out TError)"/> on memory the caller owns.
/// </summary>
/// <typeparam name="T">The unmanaged element type.</typeparam>
/// <typeparam name="TError">What a failure reports.</typeparam>
/// <remarks>
/// It is not an <see cref="IPinInit{T, TError}"/>: it fills <see cref="Count"/> slots, not one. The element delegate
/// is the only allocation (once, when it is created; a static lambda is cached by the compiler).
/// </remarks>
public readonly unsafe struct ArrayInit<T, TError>
    where T : unmanaged
{
    private readonly ArrayElementInit<T, TError> _element;

    /// <summary>Makes an initializer for <paramref name="count"/> elements.</summary>
    /// <param name="count">How many elements; at least 1.</param>
    /// <param name="element">Builds one element.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is zero or negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="element"/> is <see langword="null"/>.</exception>
    public ArrayInit(int count, ArrayElementInit<T, TError> element)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentNullException.ThrowIfNull(element);
        Count = count;
        _element = element;
    }

    /// <summary>Gets the number of elements the initializer builds.</summary>
    public int Count { get; }

    /// <summary>Builds <see cref="Count"/> elements starting at <paramref name="first"/>.</summary>
    /// <param name="first">The address of element 0 of a run of <see cref="Count"/> slots.</param>
    /// <param name="error">On failure, the failing element's error; otherwise the default.</param>
    /// <returns>
    /// <see langword="true"/> when every element is built; <see langword="false"/> when one failed, in which case the
    /// elements before it have been dropped again, in reverse order.
    /// </returns>
    /// <exception cref="InvalidOperationException">The initializer is a <see langword="default"/> instance.</exception>
    /// <remarks><b>Safety:</b> the caller must pass <see cref="Count"/> contiguous, aligned, writable slots, and on
    /// success owns every element (drop them with <see cref="PinDrop.DropRange{T}(T*, int)"/>).</remarks>
    public bool TryInit(T* first, out TError error)
    {
        if (_element is null)
        {
            ThrowHelper.ThrowInvalidOperationException_DefaultInitializer();
        }

        // SAFETY: forwarded contract: the caller provides Count slots at first.
        return PinInit.TryInPlaceArray(first, Count, _element, out error);
    }
}
