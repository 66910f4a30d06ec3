using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinnedInit;

/// <summary>
/// Builds a <see cref="DriverData"/> field by field, in place: registration, then list head, then buffer. If a field
/// fails, the fields before it are dropped again in reverse order. (This is the shape the [PinData] source generator
/// will emit.)
/// </summary>
internal readonly unsafe struct DriverDataInit(int id, bool bufferFails) : IPinInit<DriverData, DriverError>
{
    public bool TryInit(DriverData* slot, out DriverError error) =>
        PinInit.Struct<DriverData, DriverError>(zeroFirst: false)
            .InfallibleField(static (ref d) => ref d.Registration, Registration.Initializer(id))
            .InfallibleField(static (ref d) => ref d.Head, ListHead.Initializer())
            .Field(static (ref d) => ref d.Buffer, DriverBuffer.Initializer(bufferFails))
            .TryInit(slot, out error);
}
