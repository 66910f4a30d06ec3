using PinSync.Pinning;

namespace PinSync.Tests.Pinning;

public sealed unsafe class PinBoxTests : TestBase
{
    /// <summary>An alignment no allocator can satisfy (2^62 bytes of address space), to provoke allocation failure.</summary>
    private static readonly nuint s_impossibleAlignment = (nuint)1 << 62;

    [Theory]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(4096)]
    public void Create_RequestedAlignment_AddressIsMultipleOfIt(int alignment)
    {
        var boxes = new List<PinBox<long>>();
        try
        {
            for (int i = 0; i < 16; i++)
            {
                var box = PinBox<long>.Create(PinInit.Value(42L), (nuint)alignment);
                boxes.Add(box);

                Assert.Equal(0, (long)box.Pointer % alignment);
                Assert.Equal((nuint)alignment, box.Alignment);
                Assert.Equal(42, box.Value);
            }
        }
        finally
        {
            boxes.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public void Create_AlignmentBelowNatural_RaisedToNatural()
    {
        using var box = PinBox<long>.Create(PinInit.Zeroed<long>(), 1);

        Assert.Equal(PinBox<long>.NaturalAlignment, box.Alignment);
        Assert.Equal((nuint)sizeof(long), PinBox<long>.NaturalAlignment);
    }

    [Fact]
    public void Create_AlignmentNotPowerOfTwo_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PinBox<long>.Create(PinInit.Zeroed<long>(), 48));
    }

    [Fact]
    public void Dispose_DroppableValue_DropsOnceAtItsAddressThenSecondDisposeIsHarmless()
    {
        using var log = new DropLog();
        var box = PinBox<Tracked>.Create<ClosureInit<Tracked, string>, string>(Tracked.Init(log, 7));
        nint address = (nint)box.Pointer;

        box.Dispose();
        box.Dispose();

        Assert.Equal([7], log.Drops);
        Assert.Equal([address], log.DropAddresses);
        Assert.True(box.IsDisposed);
    }

    [Fact]
    public void Dispose_ConcurrentDisposes_DropExactlyOnce()
    {
        using var log = new DropLog();
        for (int round = 0; round < 50; round++)
        {
            var box = PinBox<Tracked>.Create<ClosureInit<Tracked, string>, string>(Tracked.Init(log, round));
            using var barrier = new Barrier(4);
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                barrier.SignalAndWait(UnexpectedTimeout);
                box.Dispose();
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => JoinOrFail(t));
        }

        Assert.Equal(Enumerable.Range(0, 50), log.Drops);
    }

    [Fact]
    public void Members_AfterDispose_ThrowObjectDisposed()
    {
        var box = PinBox<long>.Create(PinInit.Value(1L));
        box.Dispose();

        Assert.Throws<ObjectDisposedException>(() => (nint)box.Pointer);
        Assert.Throws<ObjectDisposedException>(() => box.Value);
        Assert.Throws<ObjectDisposedException>(() => box.AsSpan().Length);
    }

    [Fact]
    public void TryCreate_InitializerFails_ReportsInitErrorAndNothingLeaks()
    {
        using var log = new DropLog();
        var init = PinInit.Struct<Three, string>()
            .Field(static (ref p) => ref p.A, Tracked.Init(log, 1))
            .Field(static (ref p) => ref p.B, Tracked.Failing(log, 2, "B"));

        bool ok = PinBox<Three>.TryCreate(init, out PinBox<Three>? box, out PinBoxError<string> error);

        Assert.False(ok);
        Assert.Null(box);
        Assert.False(error.AllocationFailed);
        Assert.Equal("B", error.InitError);
        Assert.Equal(0, log.Live);
    }

    [Fact]
    public void Create_FallibleInitializerFails_ThrowsInvalidOperationNamingTheError()
    {
        using var log = new DropLog();

        var ex = Assert.Throws<InvalidOperationException>(
            () => PinBox<Tracked>.Create<ClosureInit<Tracked, string>, string>(Tracked.Failing(log, 1, "E_NODEV")));

        Assert.Contains("E_NODEV", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_AllocationFails_ReportsAllocationFailureWithoutRunningInitializer()
    {
        using var log = new DropLog();

        bool ok = PinBox<Tracked>.TryCreate(Tracked.Init(log, 1), s_impossibleAlignment, out PinBox<Tracked>? box,
            out PinBoxError<string> error);

        Assert.False(ok);
        Assert.Null(box);
        Assert.True(error.AllocationFailed);
        Assert.Empty(log.Inits);
    }

    [Fact]
    public void Create_AllocationFails_ThrowsInsufficientMemory()
    {
        Assert.Throws<InsufficientMemoryException>(() => PinBox<long>.Create(PinInit.Zeroed<long>(), s_impossibleAlignment));
    }

    [Fact]
    public void Create_InitializerThrows_ExceptionPropagatesAndNothingIsOwned()
    {
        var init = PinInit.FromClosure((long* p, out string e) => throw new FormatException("init"));

        Assert.Throws<FormatException>(() => PinBox<long>.Create<ClosureInit<long, string>, string>(init));
    }

    [Fact]
    public void Create_OneMebibyteStructOnThreadWith256KiBStack_BuiltInPlaceWithoutStackOverflow()
    {
        using var log = new DropLog();
        Exception? failure = null;
        long firstByte = -1, lastByte = -1;
        int tailId = -1;
        var thread = new Thread(
            () =>
            {
                try
                {
                    using (var zeroed = PinBox<Big>.Create(PinInit.Zeroed<Big>(), 64))
                    {
                        zeroed.Pointer->Data[Big.Size - 1] = 0x5A;
                        firstByte = zeroed.Pointer->Data[0];
                        lastByte = zeroed.Pointer->Data[Big.Size - 1];
                    }

                    var init = PinInit.Struct<BigWithTail, string>(zeroFirst: false)
                        .InfallibleField(static (ref p) => ref p.Buffer, PinInit.Zeroed<Big>())
                        .Field(static (ref p) => ref p.Tail, Tracked.Init(log, 9));
                    Assert.True(PinBox<BigWithTail>.TryCreate(init, out var built, out PinBoxError<string> _));
                    using var box = built;
                    tailId = box.Pointer->Tail.Id;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            },
            maxStackSize: 256 * 1024);

        thread.Start();
        JoinOrFail(thread);

        Assert.Null(failure);
        Assert.Equal(0, firstByte);
        Assert.Equal(0x5A, lastByte);
        Assert.Equal(9, tailId);
        Assert.Empty(log.Drops); // BigWithTail has no Drop of its own: a struct's Drop is what drops its fields.
    }

    [Fact]
    public void Create_ManyBoxes_NoDropForTypesWithoutTeardown()
    {
        for (int i = 0; i < 1000; i++)
        {
            using var box = PinBox<long>.Create(PinInit.Value((long)i));
            Assert.Equal(i, box.Value);
        }

        Assert.False(PinDrop.IsRequired<long>());
    }
}
