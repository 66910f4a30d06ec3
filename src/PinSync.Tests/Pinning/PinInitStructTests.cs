using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinSync.Pinning;

namespace PinSync.Tests.Pinning;

public sealed unsafe class PinInitStructTests : TestBase
{
    [Fact]
    public void Struct_AllFieldsSucceed_EveryFieldBuiltInOrder()
    {
        using var log = new DropLog();
        Three value;
        var init = PinInit.Struct<Three, string>()
            .Field(static (ref p) => ref p.A, Tracked.Init(log, 1))
            .Field(static (ref p) => ref p.B, Tracked.Init(log, 2))
            .Field(static (ref p) => ref p.C, Tracked.Init(log, 3));

        Assert.True(PinInit.TryInPlace(&value, init, out string _));

        Assert.Equal([1, 2, 3], log.Inits);
        Assert.Equal((1, 2, 3), (value.A.Id, value.B.Id, value.C.Id));
        Assert.Empty(log.Drops);
    }

    [Fact]
    public void Struct_SecondOfThreeFails_FirstDroppedOnceThirdNeverTouched()
    {
        using var log = new DropLog();
        var value = (Three*)NativeMemory.Alloc((nuint)sizeof(Three));
        try
        {
            new Span<byte>(value, sizeof(Three)).Fill(0xCC);
            var init = PinInit.Struct<Three, string>(zeroFirst: false)
                .Field(static (ref p) => ref p.A, Tracked.Init(log, 1))
                .Field(static (ref p) => ref p.B, Tracked.Failing(log, 2, "B failed"))
                .Field(static (ref p) => ref p.C, Tracked.Init(log, 3));

            bool ok = init.TryInit(value, out string error);

            Assert.False(ok);
            Assert.Equal("B failed", error);
            Assert.Equal([1], log.Drops);
            Assert.Equal([(nint)(&value->A)], log.DropAddresses);
            Assert.Equal(1, value->A.DropCount);
            Assert.Equal([1], log.Inits); // C's initializer never ran ...
            Assert.Equal([2], log.Failures);
            Assert.All(new Span<byte>(&value->C, sizeof(Tracked)).ToArray(), b => Assert.Equal(0xCC, b)); // ... nor wrote.
            Assert.Equal(0, log.Live);
        }
        finally
        {
            NativeMemory.Free(value);
        }
    }

    [Fact]
    public void Struct_ThirdFieldThrows_EarlierFieldsDroppedInReverseAndExceptionPropagates()
    {
        using var log = new DropLog();
        Three value;
        Three* slot = &value;
        var init = PinInit.Struct<Three, string>()
            .Field(static (ref p) => ref p.A, Tracked.Init(log, 1))
            .Field(static (ref p) => ref p.B, Tracked.Init(log, 2))
            .Field(static (ref p) => ref p.C, PinInit.FromClosure((Tracked* p, out string e) => throw new FormatException("C")));

        Assert.Throws<FormatException>(() => { init.TryInit(slot, out _); });

        Assert.Equal([2, 1], log.Drops);
    }

    [Fact]
    public void Struct_ZeroFirst_UnlistedFieldsAreZero()
    {
        using var log = new DropLog();
        Three value;
        new Span<byte>(&value, sizeof(Three)).Fill(0xAB);
        var init = PinInit.Struct<Three, string>().Field(static (ref p) => ref p.B, Tracked.Init(log, 2));

        Assert.True(init.TryInit(&value, out _));

        Assert.Equal(0, value.A.Id);
        Assert.Equal(0, value.A.Log);
        Assert.Equal(2, value.B.Id);
        Assert.Equal(0, value.C.Log);
    }

    [Fact]
    public void Struct_InfallibleFieldsAndByteOffsets_AllocationFree()
    {
        Three value;
        var init = PinInit.Struct<Three, string>(zeroFirst: false)
            .InfallibleField(static (ref p) => ref p.A, PinInit.Zeroed<Tracked>())
            .Field<Tracked, WidenErrorInit<Tracked, string, ValueInit<Tracked>>>(
                Marshal.OffsetOf<Three>(nameof(Three.B)), new(PinInit.Value(new Tracked { Id = 8 })))
            .InfallibleField(static (ref p) => ref p.C, PinInit.Value(new Tracked { Id = 9 }));
        Assert.True(init.TryInit(&value, out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            init.TryInit(&value, out _);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal((0, 8, 9), (value.A.Id, value.B.Id, value.C.Id));
    }

    [Fact]
    public void Struct_FieldAfterOneMebibyte_OffsetOfIdiomWorksAndRollsBack()
    {
        using var log = new DropLog();
        var init = PinInit.Struct<BigWithTail, string>()
            .Field(static (ref p) => ref p.Tail, Tracked.Init(log, 1))
            .Field(static (ref p) => ref p.Buffer, Tracked.FailingAny<Big>(log, 2, "buffer"));

        Assert.False(PinBox<BigWithTail>.TryCreate(init, out PinBox<BigWithTail>? box, out PinBoxError<string> error));

        Assert.Null(box);
        Assert.Equal("buffer", error.InitError);
        Assert.Equal([1], log.Drops);
        Assert.Equal([1], log.Inits);
        Assert.Equal([2], log.Failures);
    }

    [Fact]
    public void Field_SelectorOutsideStruct_ThrowsBeforeWriting()
    {
        Three value;
        Three* slot = &value;
        var init = PinInit.Struct<Three, string>(zeroFirst: false).InfallibleField(static (ref p) => ref Unsafe.Add(ref p, 1).A, PinInit.Zeroed<Tracked>());

        Assert.Throws<InvalidOperationException>(() => { init.TryInit(slot, out _); });
    }

    [Fact]
    public void Field_OffsetOutsideStruct_Throws()
    {
        var start = PinInit.Struct<Three, string>();

        Assert.Throws<ArgumentOutOfRangeException>(() => start.Field<Tracked, ZeroedInitAsString>(sizeof(Three) - 8, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => start.Field<Tracked, ZeroedInitAsString>(-1, default));
    }

    /// <summary>A zeroing initializer with a string error type, for the offset checks.</summary>
    private readonly struct ZeroedInitAsString : IPinInit<Tracked, string>
    {
        public bool TryInit(Tracked* slot, out string error)
        {
            *slot = default;
            error = null!;
            return true;
        }
    }
}
