namespace PinSync.Pinning;

/// <summary>
/// Teardown for an unmanaged pinned type: <see cref="Drop"/> runs exactly once, at the value's final address, when
/// its storage releases it or when an initializer rolls it back.
/// </summary>
/// <remarks>
/// Storage that owns pinned values (<c>PinBox&lt;T&gt;</c>, the slab, <c>PinInit</c> rollbacks) calls
/// <see cref="Drop"/> through a constrained generic, so implementing it on a struct costs no boxing.
/// </remarks>
public interface IPinnedDrop
{
    /// <summary>Releases what the value owns. Called once, in place; the memory itself is freed by its owner.</summary>
    void Drop();
}
