using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync.Tests.Intrusive;

/// <summary>Heads and nodes in the Pinning layer's stable storage: <see cref="PinBox{T}"/> and <see cref="Slab{T}"/>.</summary>
public sealed unsafe class ListHeadPinnedStorageTests : TestBase
{
    private static readonly nint s_linkOffset = ListHead.OffsetOf<SlabWaiter>(static w => &w->Link);

    [Fact]
    public void Create_PinBoxWithInitializer_HoldsEmptyListAtItsPointer()
    {
        using var box = PinBox<ListHead>.Create(ListHead.Initializer());
        var head = box.Pointer;

        Assert.True(head->Next == head && head->Prev == head);
        ListAssert.Sequence(head);
    }

    [Fact]
    public void AddTail_HeadAndNodesInPinBoxes_LinksAndUnlinksBeforeDispose()
    {
        using var headBox = PinBox<ListHead>.Create(ListHead.Initializer());
        var head = headBox.Pointer;
        var nodeBoxes = new List<PinBox<SlabWaiter>>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var box = PinBox<SlabWaiter>.Create(PinInit.Zeroed<SlabWaiter>());
                nodeBoxes.Add(box);
                box.Pointer->Id = i;
                ListAssert.Detached(&box.Pointer->Link);
                ListHead.AddTail(head, &box.Pointer->Link);
            }

            ListAssert.Sequence(head, &nodeBoxes[0].Pointer->Link, &nodeBoxes[1].Pointer->Link, &nodeBoxes[2].Pointer->Link,
                &nodeBoxes[3].Pointer->Link, &nodeBoxes[4].Pointer->Link);
            Assert.Equal(2, ListHead.ContainerOf<SlabWaiter>(ListHead.First(head)->Next->Next, s_linkOffset)->Id);
        }
        finally
        {
            // Unlink each node before its box frees it.
            foreach (var box in nodeBoxes)
            {
                Assert.True(ListHead.Remove(&box.Pointer->Link));
                box.Dispose();
            }
        }

        ListAssert.Sequence(head);
    }

    [Fact]
    public void InPlace_InitializerIntoFieldOfPinBoxedOwner_MakesEmptyList()
    {
        using var box = PinBox<Owner>.Create(PinInit.Zeroed<Owner>());
        var waiters = &box.Pointer->Waiters;

        PinInit.InPlace(waiters, ListHead.Initializer());

        ListAssert.Sequence(waiters);
        Assert.True(waiters->Next == waiters);
    }

    [Fact]
    public void AddTailAndRemove_NodesRentedFromSlab_ReturnedAfterUnlinkLeaveNothingOutstanding()
    {
        const int Count = 100;
        using var slab = new Slab<SlabWaiter>(nodesPerChunk: 16);
        using var headBox = PinBox<ListHead>.Create(ListHead.Initializer());
        var head = headBox.Pointer;

        for (var i = 0; i < Count; i++)
        {
            var w = slab.Rent();

            // Slab nodes come zeroed: a detached node with no initialization.
            ListAssert.Detached(&w->Link);
            w->Id = i;
            ListHead.AddTail(head, &w->Link);
        }

        Assert.Equal(Count, ListHead.Count(head));
        Assert.Equal(Count, slab.Outstanding);

        // Unlink the even ones through the list, each returned to the slab right after its Remove.
        foreach (var n in ListHead.Enumerate(head))
        {
            var w = ListHead.ContainerOf<SlabWaiter>(n, s_linkOffset);
            if (w->Id % 2 == 0)
            {
                Assert.True(ListHead.Remove(n));
                slab.Return(w);
            }
        }

        var remaining = ListAssert.Consistent(head);
        Assert.Equal(Count / 2, remaining.Count);
        for (var i = 0; i < remaining.Count; i++)
        {
            Assert.Equal((2 * i) + 1, ListHead.ContainerOf<SlabWaiter>((ListHead*)remaining[i], s_linkOffset)->Id);
        }

        // Recycled nodes come back zeroed, hence detached, and link again.
        var again = slab.Rent();
        ListAssert.Detached(&again->Link);
        ListHead.AddHead(head, &again->Link);
        Assert.True(ListHead.First(head) == &again->Link);

        ListHead* popped;
        while ((popped = ListHead.PopFirst(head)) != null)
        {
            ListAssert.Detached(popped);
            slab.Return(ListHead.ContainerOf<SlabWaiter>(popped, s_linkOffset));
        }

        ListAssert.Sequence(head);
        Assert.Equal(0, slab.Outstanding);
    }

    [Pinned]
    [StructLayout(LayoutKind.Sequential)]
    private struct SlabWaiter
    {
        public int Id;
        public int State;
        public ListHead Link;
    }

    [Pinned]
    [StructLayout(LayoutKind.Sequential)]
    private struct Owner
    {
        public long State;
        public ListHead Waiters;
    }
}
