using System.Runtime.CompilerServices;
using PinSync.Pinning;

namespace PinSync.Tests.Pinning;

/// <summary>An unmanaged value with teardown that reports its drops (id and address) to a <see cref="DropLog"/>.</summary>
internal unsafe struct Tracked : IPinnedDrop
{
    public int Id;
    public int DropCount;
    public nint Log;

    /// <summary>An initializer that builds a Tracked with <paramref name="id"/> and records the run.</summary>
    public static ClosureInit<Tracked, string> Init(DropLog log, int id)
    {
        nint handle = log.Handle;
        return PinInit.FromClosure((Tracked* slot, out string error) =>
        {
            slot->Id = id;
            slot->DropCount = 0;
            slot->Log = handle;
            DropLog.From(handle).RecordInit(id);
            error = null!;
            return true;
        });
    }

    /// <summary>An initializer that records that it ran, writes nothing and fails with <paramref name="message"/>.</summary>
    public static ClosureInit<Tracked, string> Failing(DropLog log, int id, string message)
    {
        nint handle = log.Handle;
        return PinInit.FromClosure((Tracked* slot, out string error) =>
        {
            DropLog.From(handle).RecordFailure(id);
            error = message;
            return false;
        });
    }

    /// <summary>A failing initializer for any type, recording that it ran.</summary>
    public static ClosureInit<T, string> FailingAny<T>(DropLog log, int id, string message)
        where T : unmanaged
    {
        nint handle = log.Handle;
        return PinInit.FromClosure((T* slot, out string error) =>
        {
            DropLog.From(handle).RecordFailure(id);
            error = message;
            return false;
        });
    }

    public void Drop()
    {
        DropCount++;
        DropLog.From(Log).RecordDrop(Id, (nint)Unsafe.AsPointer(ref this));
    }
}
