using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinSync.Internal;

namespace PinSync.Intrusive;

// Container-of: getting from an embedded ListHead back to the element that embeds it.
public unsafe partial struct ListHead
{
    /// <summary>
    /// Returns the element that embeds <paramref name="node"/>, given the byte offset of its <see cref="ListHead"/>
    /// field (see <see cref="OffsetOf{TOwner}(ListHeadSelector{TOwner})"/>).
    /// </summary>
    /// <typeparam name="TOwner">The unmanaged element type that embeds the node.</typeparam>
    /// <param name="node">A node that is a field of a <typeparamref name="TOwner"/>.</param>
    /// <param name="offset">The byte offset of that field within <typeparamref name="TOwner"/>.</param>
    /// <returns><c>(TOwner*)((byte*)node - offset)</c>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a node that really is the field at <paramref name="offset"/> of
    /// a live <typeparamref name="TOwner"/>; otherwise the returned pointer is garbage.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TOwner* ContainerOf<TOwner>(ListHead* node, nint offset)
        where TOwner : unmanaged
    {
        Debug.Assert(node != null, "node is null");
        Debug.Assert(offset >= 0 && offset <= sizeof(TOwner) - sizeof(ListHead), "offset is outside TOwner");

        // SAFETY: the caller guarantees node is the field at `offset` of a TOwner, so stepping back lands on it.
        return (TOwner*)((byte*)node - offset);
    }

    /// <summary>
    /// Computes the byte offset of a <see cref="ListHead"/> field within <typeparamref name="TOwner"/>, for
    /// <see cref="ContainerOf{TOwner}(ListHead*, nint)"/>. Call it once per type and keep the result, for example
    /// <c>static readonly nint s_linkOffset = ListHead.OffsetOf&lt;Waiter&gt;(static w =&gt; &amp;w-&gt;Link);</c>.
    /// </summary>
    /// <typeparam name="TOwner">The unmanaged element type that embeds the node.</typeparam>
    /// <param name="field">Takes the address of the field from an owner pointer, and does nothing else.</param>
    /// <returns>The offset in bytes, between 0 and <c>sizeof(TOwner) - sizeof(ListHead)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="field"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="field"/> returned an address that is not a
    /// <see cref="ListHead"/> inside the owner.</exception>
    /// <remarks>
    /// The selector is called once, with a pointer to a temporary, zeroed <typeparamref name="TOwner"/> in native
    /// memory (so that even a very large owner never lands on the stack). The C idiom
    /// <c>(nint)&amp;((TOwner*)null)-&gt;Link</c> is deliberately not used: taking a field address through a null
    /// pointer is not guaranteed by the CLI to be free of a null check.
    /// </remarks>
    public static nint OffsetOf<TOwner>(ListHeadSelector<TOwner> field)
        where TOwner : unmanaged
    {
        ArgumentNullException.ThrowIfNull(field);

        // SAFETY: a zeroed, owned, properly aligned block of sizeof(TOwner) bytes; the selector only takes a field
        // address from it, and the block is freed before returning, after the last use of the pointer.
        var probe = (TOwner*)NativeMemory.AlignedAlloc((nuint)sizeof(TOwner), (nuint)Math.Max(sizeof(nint), 16));
        try
        {
            NativeMemory.Clear(probe, (nuint)sizeof(TOwner));
            return OffsetOf(probe, field(probe));
        }
        finally
        {
            NativeMemory.AlignedFree(probe);
        }
    }

    /// <summary>
    /// Computes the byte offset of <paramref name="field"/> within <paramref name="owner"/>:
    /// <c>(byte*)field - (byte*)owner</c>, checked to be a <see cref="ListHead"/> inside the owner. Use it when an
    /// instance is at hand, for example <c>ListHead.OffsetOf(&amp;waiter, &amp;waiter.Link)</c> on a stack local.
    /// </summary>
    /// <typeparam name="TOwner">The unmanaged element type that embeds the node.</typeparam>
    /// <param name="owner">Any <typeparamref name="TOwner"/>.</param>
    /// <param name="field">The address of a <see cref="ListHead"/> field of that same instance.</param>
    /// <returns>The offset in bytes, between 0 and <c>sizeof(TOwner) - sizeof(ListHead)</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="field"/> is not a <see cref="ListHead"/> inside
    /// <paramref name="owner"/>.</exception>
    /// <remarks><b>Safety:</b> none beyond passing two addresses; neither pointer is dereferenced.</remarks>
    public static nint OffsetOf<TOwner>(TOwner* owner, ListHead* field)
        where TOwner : unmanaged
    {
        // SAFETY: pure address arithmetic; nothing is read or written through either pointer.
        var offset = (nint)((byte*)field - (byte*)owner);
        if (offset < 0 || offset > sizeof(TOwner) - sizeof(ListHead))
        {
            ThrowHelper.ThrowArgumentException_ListFieldOutsideOwner(nameof(field));
        }

        return offset;
    }
}
