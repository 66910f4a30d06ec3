using System.Runtime.InteropServices;
using PinSync.Pinning;

namespace PinSync.Tests.Pinning;

public sealed unsafe class PinInitTests : TestBase
{
    [Fact]
    public void Zeroed_DirtySlot_AllBytesZero()
    {
        long* slot = stackalloc long[4];
        new Span<long>(slot, 4).Fill(-1);

        PinInit.InPlace(slot, PinInit.Zeroed<long>());

        Assert.Equal(0, slot[0]);
        Assert.Equal(-1, slot[1]); // Only sizeof(long) bytes belong to the slot.
    }

    [Fact]
    public void Value_AnySlot_WritesTheValue()
    {
        long slot = -1;

        PinInit.InPlace(&slot, PinInit.Value(42L));

        Assert.Equal(42, slot);
    }

    [Fact]
    public void FromClosure_SelfReferentialValue_PointsAtItsFinalAddress()
    {
        SelfRef local;

        PinInit.InPlace(&local, PinInit.FromClosure((SelfRef* p, out Infallible e) =>
        {
            p->Self = p;
            p->Payload = 7;
            e = default;
            return true;
        }));

        Assert.True(local.Self == &local);
        Assert.Equal(7, local.Payload);
    }

    [Fact]
    public void FromClosure_ClosureFails_ReportsItsError()
    {
        using var log = new DropLog();
        Tracked local;

        bool ok = PinInit.TryInPlace(&local, Tracked.Failing(log, 1, "boom"), out string error);

        Assert.False(ok);
        Assert.Equal("boom", error);
        Assert.Empty(log.Inits);
        Assert.Equal([1], log.Failures);
    }

    [Fact]
    public void FromClosure_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => PinInit.FromClosure<long, string>(null!));
    }

    [Fact]
    public void TryInPlace_StackLocal_BuildsInPlaceAndCallerDropsOnce()
    {
        using var log = new DropLog();
        Tracked local;

        bool ok = PinInit.TryInPlace(&local, Tracked.Init(log, 5), out string _);
        Assert.True(ok);
        Assert.Equal(5, local.Id);

        PinDrop.Drop(&local);

        Assert.Equal([5], log.Drops);
        Assert.Equal([(nint)(&local)], log.DropAddresses);
        Assert.Equal(1, local.DropCount);
    }

    [Fact]
    public void InPlace_FallibleInitializerFails_ThrowsInvalidOperationNamingTheError()
    {
        using var log = new DropLog();
        Tracked local;
        Tracked* slot = &local;

        var ex = Assert.Throws<InvalidOperationException>(
            () => PinInit.InPlace<Tracked, string, ClosureInit<Tracked, string>>(slot, Tracked.Failing(log, 1, "no-device")));

        Assert.Contains("no-device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InPlace_InfallibleInitializerBreaksContract_ThrowsInvalidOperation()
    {
        long local;
        long* slot = &local;
        var liar = PinInit.FromClosure((long* p, out Infallible e) =>
        {
            e = default;
            return false;
        });

        Assert.Throws<InvalidOperationException>(() => PinInit.InPlace(slot, liar));
    }

    [Fact]
    public void Chain_ActionSucceeds_ValueKeptAndNotDropped()
    {
        using var log = new DropLog();
        Tracked local;
        var init = Tracked.Init(log, 3).Chain((Tracked* p, out string e) =>
        {
            p->Id += 100;
            e = null!;
            return true;
        });

        Assert.True(PinInit.TryInPlace(&local, init, out string _));

        Assert.Equal(103, local.Id);
        Assert.Empty(log.Drops);
    }

    [Fact]
    public void Chain_ActionFails_ValueDroppedOnceAndErrorReported()
    {
        using var log = new DropLog();
        Tracked local;
        var init = Tracked.Init(log, 3).Chain((Tracked* p, out string e) =>
        {
            e = "chain failed";
            return false;
        });

        bool ok = PinInit.TryInPlace(&local, init, out string error);

        Assert.False(ok);
        Assert.Equal("chain failed", error);
        Assert.Equal([3], log.Drops);
        Assert.Equal([(nint)(&local)], log.DropAddresses);
        Assert.Equal(0, log.Live);
    }

    [Fact]
    public void Chain_ActionThrows_ValueDroppedAndExceptionPropagates()
    {
        using var log = new DropLog();
        Tracked local;
        Tracked* slot = &local;
        var init = Tracked.Init(log, 4).Chain((Tracked* p, out string e) => throw new InvalidTimeZoneException("x"));

        Assert.Throws<InvalidTimeZoneException>(() => PinInit.TryInPlace(slot, init, out string _));

        Assert.Equal([4], log.Drops);
    }

    [Fact]
    public void Chain_InnerFails_ActionNeverRunsAndNothingDropped()
    {
        using var log = new DropLog();
        Tracked local;
        int actionRuns = 0;
        var init = Tracked.Failing(log, 1, "inner").Chain((Tracked* p, out string e) =>
        {
            actionRuns++;
            e = null!;
            return true;
        });

        Assert.False(PinInit.TryInPlace(&local, init, out string error));

        Assert.Equal("inner", error);
        Assert.Equal(0, actionRuns);
        Assert.Empty(log.Drops);
    }

    [Fact]
    public void Fail_AnySlot_FailsWithoutWriting()
    {
        long slot = 17;

        Assert.False(PinInit.TryInPlace(&slot, PinInit.Fail<long, int>(99), out int error));

        Assert.Equal(99, error);
        Assert.Equal(17, slot);
    }

    [Fact]
    public void WithError_InfallibleInitializer_ComposesWithFallibleChain()
    {
        long slot;
        var init = PinInit.WithError<long, string, ValueInit<long>>(PinInit.Value(5L)).Chain((long* p, out string e) =>
        {
            *p *= 2;
            e = null!;
            return true;
        });

        Assert.True(PinInit.TryInPlace(&slot, init, out string _));

        Assert.Equal(10, slot);
    }

    [Fact]
    public void DefaultClosureInit_TryInit_ThrowsInvalidOperation()
    {
        long local;
        long* slot = &local;
        ClosureInit<long, string> init = default;

        Assert.Throws<InvalidOperationException>(() => init.TryInit(slot, out _));
    }

    [Fact]
    public void Zeroed_NativeBlock_NoManagedAllocation()
    {
        long* block = (long*)NativeMemory.Alloc(64);
        try
        {
            PinInit.InPlace(block, PinInit.Zeroed<long>());
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                PinInit.InPlace(block, PinInit.Zeroed<long>());
                PinInit.InPlace(block, PinInit.Value((long)i));
            }

            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
        finally
        {
            NativeMemory.Free(block);
        }
    }
}
