using System.Runtime.InteropServices;
using PinSync.Pinning;

namespace PinSync.Tests.Pinning;

public sealed unsafe class PinInitArrayTests : TestBase
{
    private static ArrayInit<Tracked, string> TrackedArray(DropLog log, int count, int failAt) =>
        PinInit.Array<Tracked, string>(count, (i, slot, out error) => i == failAt
            ? Tracked.Failing(log, i, $"element {i} failed").TryInit(slot, out error)
            : Tracked.Init(log, i).TryInit(slot, out error));

    [Fact]
    public void TryInPlaceArray_AllSucceed_EveryElementBuiltInOrder()
    {
        using var log = new DropLog();
        Tracked* run = stackalloc Tracked[10];

        Assert.True(TrackedArray(log, 10, failAt: -1).TryInit(run, out string _));

        Assert.Equal(Enumerable.Range(0, 10), log.Inits);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(i, run[i].Id);
        }

        Assert.Empty(log.Drops);
        PinDrop.DropRange(run, 10);
        Assert.Equal(Enumerable.Range(0, 10).Reverse(), log.Drops);
    }

    [Fact]
    public void TryInPlaceArray_Element6Fails_Elements5To0DroppedInReverseOnceEach()
    {
        using var log = new DropLog();
        Tracked* run = stackalloc Tracked[10];

        bool ok = TrackedArray(log, 10, failAt: 6).TryInit(run, out string error);

        Assert.False(ok);
        Assert.Equal("element 6 failed", error);
        Assert.Equal([5, 4, 3, 2, 1, 0], log.Drops);
        Assert.Equal(
            Enumerable.Range(0, 6).Reverse().Select(i => (nint)(run + i)),
            log.DropAddresses);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(1, run[i].DropCount);
        }

        Assert.Equal([0, 1, 2, 3, 4, 5], log.Inits); // Elements 7..9 never started.
        Assert.Equal([6], log.Failures);
    }

    [Fact]
    public void TryInPlaceArray_FirstElementFails_NothingDropped()
    {
        using var log = new DropLog();
        Tracked* run = stackalloc Tracked[3];

        Assert.False(TrackedArray(log, 3, failAt: 0).TryInit(run, out string _));

        Assert.Empty(log.Drops);
    }

    [Fact]
    public void TryInPlaceArray_ElementThrows_EarlierElementsDroppedInReverseAndExceptionPropagates()
    {
        using var log = new DropLog();
        Tracked* run = stackalloc Tracked[5];
        var init = PinInit.Array<Tracked, string>(5, (i, slot, out error) =>
            i == 3 ? throw new FormatException("element 3") : Tracked.Init(log, i).TryInit(slot, out error));

        Assert.Throws<FormatException>(() => init.TryInit(run, out _));

        Assert.Equal([2, 1, 0], log.Drops);
    }

    [Fact]
    public void InPlaceArray_ElementFails_ThrowsInvalidOperationNamingTheError()
    {
        using var log = new DropLog();
        Tracked* run = stackalloc Tracked[4];

        var ex = Assert.Throws<InvalidOperationException>(() => PinInit.InPlaceArray<Tracked, string>(run, 4,
            (i, slot, out error) => i == 2 ? Tracked.Failing(log, i, "bad element").TryInit(slot, out error)
                                           : Tracked.Init(log, i).TryInit(slot, out error)));

        Assert.Contains("bad element", ex.Message, StringComparison.Ordinal);
        Assert.Equal([1, 0], log.Drops);
    }

    [Fact]
    public void Array_CountZeroOrNegative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PinInit.Array<long, string>(0, (i, p, out e) => PinInit.Fail<long, string>("x").TryInit(p, out e)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PinInit.Array<long, string>(-1, (i, p, out e) => PinInit.Fail<long, string>("x").TryInit(p, out e)));
    }

    [Fact]
    public void CreateArray_Element6Fails_RollsBackAndReportsInitError()
    {
        using var log = new DropLog();

        bool ok = PinBox<Tracked>.TryCreateArray(TrackedArray(log, 10, failAt: 6), 0, out PinBox<Tracked>? box,
            out PinBoxError<string> error);

        Assert.False(ok);
        Assert.Null(box);
        Assert.False(error.AllocationFailed);
        Assert.Equal("element 6 failed", error.InitError);
        Assert.Equal([5, 4, 3, 2, 1, 0], log.Drops);
    }

    [Fact]
    public void CreateArray_Dispose_DropsEveryElementLastFirstOnce()
    {
        using var log = new DropLog();
        var box = PinBox<Tracked>.CreateArray(TrackedArray(log, 4, failAt: -1), Slab<Tracked>.CacheLineAlignment);

        Assert.Equal(4, box.Length);
        Assert.Equal(0, (long)box.Pointer % 64);
        Assert.Equal([0, 1, 2, 3], box.AsSpan().ToArray().Select(t => t.Id));
        box.Dispose();
        box.Dispose();

        Assert.Equal([3, 2, 1, 0], log.Drops);
    }

    [Fact]
    public void DropRange_NoTeardownType_DoesNothing()
    {
        long* run = (long*)NativeMemory.Alloc(4 * sizeof(long));
        try
        {
            new Span<long>(run, 4).Fill(9);

            PinDrop.DropRange(run, 4);

            Assert.All(new Span<long>(run, 4).ToArray(), v => Assert.Equal(9, v));
            Assert.False(PinDrop.IsRequired<long>());
            Assert.True(PinDrop.IsRequired<Tracked>());
        }
        finally
        {
            NativeMemory.Free(run);
        }
    }
}
