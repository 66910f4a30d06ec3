using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PinSync.Pinning;

/// <summary>
/// The start of a struct built from per-field initializers: it optionally zeroes the struct, builds no field, and
/// offers <see cref="Field{TField, TFieldInit}(FieldSelector{T, TField}, TFieldInit)"/> to add the first one. Made by
/// <see cref="PinInit.Struct{T, TError}(bool)"/>.
/// </summary>
/// <typeparam name="T">The struct to build.</typeparam>
/// <typeparam name="TError">What a failure of any field reports.</typeparam>
/// <remarks>
/// Everything in the chain is a struct and every call is constrained, so building is allocation-free; only
/// delegates passed to field initializers (<see cref="PinInit.FromClosure{T, TError}"/>) allocate, once each.
/// </remarks>
public readonly unsafe struct StructInit<T, TError> : IPinFieldsInit<T, TError>
    where T : unmanaged
{
    private readonly bool _zero;

    /// <summary>Makes the start of a struct initializer.</summary>
    /// <param name="zeroFirst">Whether to zero the whole struct before the fields are built, so that fields no
    /// initializer names are zero rather than uninitialized.</param>
    public StructInit(bool zeroFirst) => _zero = zeroFirst;

    /// <summary>Zeroes the struct if asked to; builds no field.</summary>
    /// <param name="slot">The final address of the struct.</param>
    /// <param name="error">Always the default.</param>
    /// <returns>Always <see langword="true"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryInit(T* slot, out TError error)
    {
        if (_zero)
        {
            // SAFETY: the caller guarantees sizeof(T) writable bytes at slot.
            NativeMemory.Clear(slot, (nuint)sizeof(T));
        }

        error = default!;
        return true;
    }

    /// <summary>Does nothing: this step builds no field.</summary>
    /// <param name="slot">Ignored.</param>
    /// <remarks><b>Safety:</b> the caller must keep the <see cref="IPinFieldsInit{T, TError}.DropFields"/> contract.</remarks>
    public void DropFields(T* slot)
    {
    }

    /// <summary>Adds a field, picked by <paramref name="field"/>, built by <paramref name="init"/>.</summary>
    /// <typeparam name="TField">The field's type (inferred from the selector).</typeparam>
    /// <typeparam name="TFieldInit">The field's initializer.</typeparam>
    /// <param name="field">Picks the field: <c>static (ref p) =&gt; ref p.Field</c>.</param>
    /// <param name="init">Builds the field.</param>
    /// <returns>An initializer for the fields so far.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="field"/> is <see langword="null"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a selector that keeps the <see cref="FieldSelector{T, TField}"/>
    /// contract (a selector that points outside the struct is caught when the initializer runs).</remarks>
    public FieldInit<T, TError, StructInit<T, TError>, TField, TFieldInit> Field<TField, TFieldInit>(
        FieldSelector<T, TField> field, TFieldInit init)
        where TField : unmanaged
        where TFieldInit : IPinInit<TField, TError> => new(this, field, init);

    /// <summary>Adds a field at a byte offset, built by <paramref name="init"/> (the form generated code uses).</summary>
    /// <typeparam name="TField">The field's type.</typeparam>
    /// <typeparam name="TFieldInit">The field's initializer.</typeparam>
    /// <param name="offset">The field's byte offset in <typeparamref name="T"/>.</param>
    /// <param name="init">Builds the field.</param>
    /// <returns>An initializer for the fields so far.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The field does not lie inside <typeparamref name="T"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass the offset of a real field of type <typeparamref name="TField"/>.</remarks>
    public FieldInit<T, TError, StructInit<T, TError>, TField, TFieldInit> Field<TField, TFieldInit>(nint offset, TFieldInit init)
        where TField : unmanaged
        where TFieldInit : IPinInit<TField, TError> => new(this, offset, init);

    /// <summary>Adds a field built by an initializer that cannot fail (for example <see cref="PinInit.Zeroed{T}"/>).</summary>
    /// <typeparam name="TField">The field's type.</typeparam>
    /// <typeparam name="TFieldInit">The field's infallible initializer.</typeparam>
    /// <param name="field">Picks the field: <c>static (ref p) =&gt; ref p.Field</c>.</param>
    /// <param name="init">Builds the field.</param>
    /// <returns>An initializer for the fields so far.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="field"/> is <see langword="null"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a selector that keeps the <see cref="FieldSelector{T, TField}"/>
    /// contract.</remarks>
    public FieldInit<T, TError, StructInit<T, TError>, TField, WidenErrorInit<TField, TError, TFieldInit>>
        InfallibleField<TField, TFieldInit>(FieldSelector<T, TField> field, TFieldInit init)
        where TField : unmanaged
        where TFieldInit : IPinInit<TField, Infallible> => new(this, field, new(init));
}
