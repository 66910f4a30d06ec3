// PinnedInit: the Linux kernel's pinned-init example, `DriverData`, in C#.
//
// A DriverData holds a list head that points at itself and a 1 MiB buffer. It is built in place, at its final
// address in native memory (a PinBox), by a fallible initializer composed from one initializer per field. When a
// field fails, the fields already built are dropped again, in reverse order, and nothing leaks.

using PinSync.Intrusive;
using PinSync.Pinning;
using PinnedInit;

unsafe
{
    Console.WriteLine("PinnedInit: building DriverData in place (1 MiB buffer, self-referential list head)");
    Console.WriteLine();

    // 1. A build that succeeds.
    Console.WriteLine("[1] Building with a working buffer initializer ...");
    if (!PinBox<DriverData>.TryCreate(new DriverDataInit(id: 1, bufferFails: false), out var box, out PinBoxError<DriverError> error))
    {
        Console.WriteLine($"    unexpected failure: {error}");
        return 1;
    }

    using (box)
    {
        DriverData* data = box.Pointer;
        ListHead* head = &data->Head;
        Console.WriteLine($"    DriverData lives at 0x{(nint)data:x} ({sizeof(DriverData):N0} bytes, never on the stack)");
        Console.WriteLine($"    head at 0x{(nint)head:x}: Next = 0x{(nint)head->Next:x}, Prev = 0x{(nint)head->Prev:x}");
        Console.WriteLine($"    head points at itself: {head->Next == head && head->Prev == head}; list empty: {ListHead.IsEmpty(head)}");
        Console.WriteLine($"    buffer signature: '{data->Buffer.Signature}', registration #{data->Registration.Id}");
        Console.WriteLine($"    live registrations: {Registration.Live}");
    }

    Console.WriteLine($"    disposed; live registrations: {Registration.Live}");
    Console.WriteLine();

    // 2. A build whose buffer initializer fails after the registration and the list head were built.
    Console.WriteLine("[2] Building again with a buffer initializer that FAILS ...");
    int droppedBefore = Registration.Dropped;
    bool created = PinBox<DriverData>.TryCreate(new DriverDataInit(id: 2, bufferFails: true), out var failed, out error);
    failed?.Dispose();
    Console.WriteLine($"    created: {created}; error: {error}");
    int rolledBack = Registration.Dropped - droppedBefore;
    Console.WriteLine($"    registrations dropped by the rollback: {rolledBack} (the part already built)");
    Console.WriteLine($"    live registrations: {Registration.Live}; nothing leaked: {Registration.Live == 0 && !created}");

    return !created && Registration.Live == 0 && rolledBack == 1 ? 0 : 1;
}
