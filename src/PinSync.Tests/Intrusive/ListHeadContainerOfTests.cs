using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync.Tests.Intrusive;

/// <summary><see cref="ListHead.ContainerOf{TOwner}"/> and the two <c>OffsetOf</c> helpers.</summary>
public sealed unsafe class ListHeadContainerOfTests : TestBase
{
    [Fact]
    public void OffsetOf_Selector_EqualsFieldAddressMinusOwnerAddress()
    {
        Waiter w = default;
        var expected = (nint)((byte*)&w.Link - (byte*)&w);

        var offset = ListHead.OffsetOf<Waiter>(static p => &p->Link);

        Assert.True(expected > 0, "the test struct must embed its link at a non-zero offset");
        Assert.Equal(expected, offset);
        Assert.Equal(expected, ListHead.OffsetOf(&w, &w.Link));
    }

    [Fact]
    public void OffsetOf_FieldAtStart_ReturnsZero()
    {
        Assert.Equal(0, ListHead.OffsetOf<Dual>(static p => &p->ByAge));
        Assert.Equal(sizeof(ListHead), ListHead.OffsetOf<Dual>(static p => &p->ByPriority));
    }

    [Fact]
    public void OffsetOf_FieldPastAMegabyte_ReturnsItsOffset()
    {
        var offset = ListHead.OffsetOf<Big>(static p => &p->Tail);

        Assert.Equal(sizeof(ListHead) + Big.PayloadSize, offset);
    }

    [Fact]
    public void OffsetOf_AddressOutsideOwner_ThrowsArgumentException()
    {
        Waiter w = default;
        ListHead stray = default;
        var pw = &w;
        var pstray = &stray;

        Assert.Throws<ArgumentException>("field", () => ListHead.OffsetOf(pw, pstray));
        Assert.Throws<ArgumentException>("field", () => ListHead.OffsetOf<Waiter>(static p => (ListHead*)(p + 1)));
        Assert.Throws<ArgumentException>("field", () => ListHead.OffsetOf<Waiter>(static p => (ListHead*)((byte*)p - 8)));
    }

    [Fact]
    public void OffsetOf_NullSelector_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>("field", () => ListHead.OffsetOf<Waiter>(null!));
    }

    [Fact]
    public void ContainerOf_LinkAtNonZeroOffset_ReturnsOwnerOfEachListedNode()
    {
        const int Count = 8;
        var offset = ListHead.OffsetOf<Waiter>(static p => &p->Link);
        var head = (ListHead*)NativeMemory.Alloc((nuint)sizeof(ListHead));
        var waiters = (Waiter*)NativeMemory.AllocZeroed(Count, (nuint)sizeof(Waiter));
        try
        {
            ListHead.Init(head);
            for (var i = Count - 1; i >= 0; i--)
            {
                waiters[i].Id = 1000 + i;
                waiters[i].Flag = (byte)i;
                ListHead.AddHead(head, &waiters[i].Link);
            }

            var seen = 0;
            foreach (var n in ListHead.Enumerate(head))
            {
                var owner = ListHead.ContainerOf<Waiter>(n, offset);
                Assert.True(owner == &waiters[seen]);
                Assert.Equal(1000 + seen, owner->Id);
                Assert.Equal((byte)seen, owner->Flag);
                seen++;
            }

            Assert.Equal(Count, seen);
            Assert.True(ListHead.ContainerOf<Waiter>(ListHead.PopFirst(head), offset) == &waiters[0]);
            Assert.True(ListHead.ContainerOf<Waiter>(ListHead.Last(head), offset) == &waiters[Count - 1]);
        }
        finally
        {
            while (ListHead.PopFirst(head) != null)
            {
            }

            NativeMemory.Free(waiters);
            NativeMemory.Free(head);
        }
    }

    [Fact]
    public void ContainerOf_OwnerInTwoListsAtOnce_EachListRecoversTheSameOwner()
    {
        var byAgeOffset = ListHead.OffsetOf<Dual>(static p => &p->ByAge);
        var byPriorityOffset = ListHead.OffsetOf<Dual>(static p => &p->ByPriority);
        ListHead byAge, byPriority;
        ListHead.Init(&byAge);
        ListHead.Init(&byPriority);
        Dual a = default, b = default, c = default;
        a.Id = 1;
        b.Id = 2;
        c.Id = 3;

        ListHead.AddTail(&byAge, &a.ByAge);
        ListHead.AddTail(&byAge, &b.ByAge);
        ListHead.AddTail(&byAge, &c.ByAge);
        ListHead.AddHead(&byPriority, &a.ByPriority);
        ListHead.AddHead(&byPriority, &b.ByPriority);
        ListHead.AddHead(&byPriority, &c.ByPriority);
        ListHead.Remove(&b.ByPriority);

        ListAssert.Sequence(&byAge, &a.ByAge, &b.ByAge, &c.ByAge);
        ListAssert.Sequence(&byPriority, &c.ByPriority, &a.ByPriority);
        Assert.Equal(3, ListHead.ContainerOf<Dual>(ListHead.First(&byPriority), byPriorityOffset)->Id);
        Assert.Equal(1, ListHead.ContainerOf<Dual>(ListHead.First(&byAge), byAgeOffset)->Id);
        Assert.True(ListHead.ContainerOf<Dual>(ListHead.Last(&byPriority), byPriorityOffset) == &a);
        Assert.True(ListHead.IsLinked(&b.ByAge));
        Assert.False(ListHead.IsLinked(&b.ByPriority));
    }

    [Pinned]
    [StructLayout(LayoutKind.Sequential)]
    private struct Waiter
    {
        public long Id;
        public byte Flag;
        public ListHead Link;
        public int Tail;
    }

    [Pinned]
    [StructLayout(LayoutKind.Sequential)]
    private struct Dual
    {
        public ListHead ByAge;
        public ListHead ByPriority;
        public int Id;
    }

    [Pinned]
    [StructLayout(LayoutKind.Sequential)]
    private struct Big
    {
        public const int PayloadSize = 1 << 20;

        public ListHead Link;
        public fixed byte Payload[PayloadSize];
        public ListHead Tail;
    }
}
