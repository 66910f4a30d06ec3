using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinnedInit;

/// <summary>
/// The kernel's pinned-init example: a registration (needs teardown), a list head that points at itself, and a
/// 1 MiB buffer. It must be built at its final address and never move.
/// </summary>
[Pinned]
internal unsafe struct DriverData : IPinnedDrop
{
    public Registration Registration;
    public ListHead Head;
    public DriverBuffer Buffer;

    /// <summary>Drops the parts that need it. The list must be empty by now.</summary>
    public void Drop() => Registration.Drop();
}
