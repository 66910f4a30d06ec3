namespace PinSync.Pinning;

/// <summary>
/// Marks a type whose instances must never move once initialized: they hold pointers to themselves (an empty
/// <c>ListHead</c> points at itself) or are pointed at by nodes elsewhere.
/// </summary>
/// <remarks>
/// A pinned value lives at a stable address: a <c>PinBox&lt;T&gt;</c>, a slab node, an unmanaged stack local, or a
/// field of another pinned struct. It is created in place by an <see cref="IPinInit{T, TError}"/> and must not be
/// copied, boxed, captured, or stored in a field of a class (the GC moves objects). A struct that embeds a pinned
/// field must itself be marked <see cref="PinnedAttribute"/> (or <see cref="PinDataAttribute"/>). The PinSync
/// analyzers enforce these rules at compile time.
/// </remarks>
[AttributeUsage(AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class PinnedAttribute : Attribute;
