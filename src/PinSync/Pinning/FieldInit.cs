using System.Runtime.CompilerServices;
using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// One step of a struct built from per-field initializers: builds the fields of <typeparamref name="TPrev"/>, then
/// one more field; if that field fails, drops the earlier ones again, in reverse order. Made by the <c>Field</c>
/// methods of <see cref="StructInit{T, TError}"/> and of this type.
/// </summary>
/// <typeparam name="T">The struct to build.</typeparam>
/// <typeparam name="TError">What a failure of any field reports.</typeparam>
/// <typeparam name="TPrev">The steps for the fields before this one.</typeparam>
/// <typeparam name="TField">This field's type.</typeparam>
/// <typeparam name="TFieldInit">This field's initializer.</typeparam>
/// <remarks>Allocation-free: the chain is a nest of structs, every call constrained.</remarks>
public readonly unsafe struct FieldInit<T, TError, TPrev, TField, TFieldInit> : IPinFieldsInit<T, TError>
    where T : unmanaged
    where TPrev : IPinFieldsInit<T, TError>
    where TField : unmanaged
    where TFieldInit : IPinInit<TField, TError>
{
    private readonly TPrev _prev;
    private readonly FieldSelector<T, TField>? _selector;
    private readonly nint _offset;
    private readonly TFieldInit _init;

    /// <summary>Appends a field to <paramref name="prev"/>.</summary>
    /// <param name="prev">The steps for the earlier fields.</param>
    /// <param name="offset">This field's byte offset in <typeparamref name="T"/>.</param>
    /// <param name="init">Builds this field.</param>
    /// <exception cref="ArgumentOutOfRangeException">The field does not lie inside <typeparamref name="T"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass the offset of a real field of type <typeparamref name="TField"/>.</remarks>
    public FieldInit(TPrev prev, nint offset, TFieldInit init)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, (nint)(sizeof(T) - sizeof(TField)));
        _prev = prev;
        _offset = offset;
        _init = init;
    }

    /// <summary>Appends a field, picked by a selector, to <paramref name="prev"/>.</summary>
    /// <param name="prev">The steps for the earlier fields.</param>
    /// <param name="field">Picks this field: <c>static (ref p) =&gt; ref p.Field</c>.</param>
    /// <param name="init">Builds this field.</param>
    /// <exception cref="ArgumentNullException"><paramref name="field"/> is <see langword="null"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a selector that keeps the <see cref="FieldSelector{T, TField}"/>
    /// contract.</remarks>
    public FieldInit(TPrev prev, FieldSelector<T, TField> field, TFieldInit init)
    {
        ArgumentNullException.ThrowIfNull(field);
        _prev = prev;
        _selector = field;
        _init = init;
    }

    /// <summary>Builds the earlier fields, then this one; rolls the earlier ones back if this one fails.</summary>
    /// <param name="slot">The final address of the struct.</param>
    /// <param name="error">The first failing field's error; otherwise the default.</param>
    /// <returns>
    /// <see langword="true"/> when every field so far is built; <see langword="false"/> when one failed, in which case
    /// every field built before it has been dropped again, in reverse order, and no later field was touched.
    /// </returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot and own the fields on success.</remarks>
    public bool TryInit(T* slot, out TError error)
    {
        // SAFETY: forwarded contract; on failure the earlier steps have rolled themselves back.
        if (!_prev.TryInit(slot, out error))
        {
            return false;
        }

        // SAFETY: FieldAddress checks that the field lies inside *slot.
        TField* field = FieldAddress(slot);
        bool ok;
        try
        {
            // SAFETY: field is a writable, aligned slot inside the pinned struct.
            ok = _init.TryInit(field, out error);
        }
        catch
        {
            // SAFETY: the earlier fields are built and owned here; drop them once before the exception leaves.
            _prev.DropFields(slot);
            throw;
        }

        if (!ok)
        {
            // SAFETY: as above; this field rolled itself back (IPinInit contract).
            _prev.DropFields(slot);
        }

        return ok;
    }

    /// <summary>Drops this field, then the earlier ones in reverse order.</summary>
    /// <param name="slot">The struct whose fields this initializer built.</param>
    /// <remarks><b>Safety:</b> the caller must keep the <see cref="IPinFieldsInit{T, TError}.DropFields"/> contract.</remarks>
    public void DropFields(T* slot)
    {
        // SAFETY: the caller guarantees a successful TryInit on slot, so this field is built and not yet dropped.
        PinDrop.Drop(FieldAddress(slot));
        _prev.DropFields(slot);
    }

    /// <summary>Adds another field, picked by <paramref name="field"/>.</summary>
    /// <typeparam name="TNext">The next field's type (inferred from the selector).</typeparam>
    /// <typeparam name="TNextInit">The next field's initializer.</typeparam>
    /// <param name="field">Picks the field: <c>static (ref p) =&gt; ref p.Field</c>.</param>
    /// <param name="init">Builds the field.</param>
    /// <returns>An initializer for the fields so far.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="field"/> is <see langword="null"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a selector that keeps the <see cref="FieldSelector{T, TField}"/>
    /// contract.</remarks>
    public FieldInit<T, TError, FieldInit<T, TError, TPrev, TField, TFieldInit>, TNext, TNextInit> Field<TNext, TNextInit>(
        FieldSelector<T, TNext> field, TNextInit init)
        where TNext : unmanaged
        where TNextInit : IPinInit<TNext, TError> => new(this, field, init);

    /// <summary>Adds another field at a byte offset (for generated code that knows the offset).</summary>
    /// <typeparam name="TNext">The next field's type.</typeparam>
    /// <typeparam name="TNextInit">The next field's initializer.</typeparam>
    /// <param name="offset">The field's byte offset in <typeparamref name="T"/>.</param>
    /// <param name="init">Builds the field.</param>
    /// <returns>An initializer for the fields so far.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The field does not lie inside <typeparamref name="T"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass the offset of a real field of type <typeparamref name="TNext"/>.</remarks>
    public FieldInit<T, TError, FieldInit<T, TError, TPrev, TField, TFieldInit>, TNext, TNextInit> Field<TNext, TNextInit>(
        nint offset, TNextInit init)
        where TNext : unmanaged
        where TNextInit : IPinInit<TNext, TError> => new(this, offset, init);

    /// <summary>Adds another field built by an initializer that cannot fail.</summary>
    /// <typeparam name="TNext">The next field's type (inferred from the selector).</typeparam>
    /// <typeparam name="TNextInit">The next field's infallible initializer.</typeparam>
    /// <param name="field">Picks the field: <c>static (ref p) =&gt; ref p.Field</c>.</param>
    /// <param name="init">Builds the field.</param>
    /// <returns>An initializer for the fields so far.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="field"/> is <see langword="null"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a selector that keeps the <see cref="FieldSelector{T, TField}"/>
    /// contract.</remarks>
    public FieldInit<T, TError, FieldInit<T, TError, TPrev, TField, TFieldInit>, TNext, WidenErrorInit<TNext, TError, TNextInit>>
        InfallibleField<TNext, TNextInit>(FieldSelector<T, TNext> field, TNextInit init)
        where TNext : unmanaged
        where TNextInit : IPinInit<TNext, Infallible> => new(this, field, new(init));

    /// <summary>The address of this field inside <paramref name="slot"/>; throws if a selector strays outside it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TField* FieldAddress(T* slot)
    {
        if (_selector is null)
        {
            // SAFETY: the offset constructor checked that [offset, offset + sizeof(TField)) lies inside a T.
            return (TField*)((byte*)slot + _offset);
        }

        // SAFETY: a selector only computes an address from slot (FieldSelector contract); the range check below
        // catches one that strays outside the struct before anything is written there.
        TField* field = (TField*)Unsafe.AsPointer(ref _selector(ref *slot));
        nuint offset = (nuint)((byte*)field - (byte*)slot);
        if (offset > (nuint)(sizeof(T) - sizeof(TField)))
        {
            ThrowHelper.ThrowInvalidOperationException_FieldOutsideStruct();
        }

        return field;
    }
}
