namespace PinSync.Intrusive;

/// <summary>
/// Returns the address of a <see cref="ListHead"/> field of <paramref name="owner"/>, for
/// <see cref="ListHead.OffsetOf{TOwner}(ListHeadSelector{TOwner})"/>; typically <c>static o =&gt; &amp;o-&gt;Link</c>.
/// </summary>
/// <typeparam name="TOwner">The unmanaged type that embeds the field.</typeparam>
/// <param name="owner">A pointer to an owner; the selector must only take a field address from it.</param>
/// <returns>The address of the <see cref="ListHead"/> field inside <paramref name="owner"/>.</returns>
public unsafe delegate ListHead* ListHeadSelector<TOwner>(TOwner* owner)
    where TOwner : unmanaged;
