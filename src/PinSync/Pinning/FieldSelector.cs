namespace PinSync.Pinning;

/// <summary>
/// Picks a field of a struct by reference, <c>static (ref p) =&gt; ref p.Field</c>: the way the struct builder
/// (<see cref="PinInit.Struct{T, TError}(bool)"/>) locates a field without knowing its offset.
/// </summary>
/// <typeparam name="T">The struct.</typeparam>
/// <typeparam name="TField">The field's type.</typeparam>
/// <param name="owner">The struct, at its final address (during initialization).</param>
/// <returns>A reference to the field inside <paramref name="owner"/>.</returns>
/// <remarks>
/// <para>C#'s C-style offsetof idiom, <c>&amp;((T*)null)-&gt;Field</c>, does not work in .NET: the JIT null-checks the
/// base pointer and throws <see cref="NullReferenceException"/>. A selector is applied to the real slot instead. It returns
/// a reference rather than a pointer because C# infers <typeparamref name="TField"/> from a lambda's <c>ref</c> return
/// but not from a pointer return.</para>
/// <para><b>Safety:</b> an implementation must only return a reference to one of <paramref name="owner"/>'s fields; it
/// must not read or write <paramref name="owner"/>, which is not initialized yet.</para>
/// </remarks>
public delegate ref TField FieldSelector<T, TField>(ref T owner)
    where T : unmanaged
    where TField : unmanaged;
