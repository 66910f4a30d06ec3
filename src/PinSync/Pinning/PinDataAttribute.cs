namespace PinSync.Pinning;

/// <summary>
/// Marks a partial unmanaged struct whose fields are built in place, one initializer per field, the counterpart
/// of pin-init's <c>#[pin_data]</c>. The PinSync source generator emits a typed initializer that rolls back the
/// fields already built, in reverse order, when a later one fails. A <see cref="PinDataAttribute"/> struct is
/// pinned (see <see cref="PinnedAttribute"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class PinDataAttribute : Attribute;
