using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync.Tests.Intrusive;

/// <summary>Heads and nodes in native memory, the storage of async waiters, and the in-place initializer.</summary>
public sealed unsafe class ListHeadNativeMemoryTests : TestBase
{
    [Fact]
    public void AddTailAndRemove_NodesFromNativeAlloc_KeepOrderAndConsistency()
    {
        const int Count = 64;
        var head = (ListHead*)NativeMemory.Alloc((nuint)sizeof(ListHead));
        var nodes = (ListHead*)NativeMemory.Alloc(Count, (nuint)sizeof(ListHead));
        try
        {
            // NativeMemory.Alloc is not zeroed: make each node detached, and the head empty, explicitly.
            ListHead.Init(head);
            for (var i = 0; i < Count; i++)
            {
                nodes[i] = default;
                ListHead.AddTail(head, &nodes[i]);
            }

            for (var i = 1; i < Count; i += 2)
            {
                Assert.True(ListHead.Remove(&nodes[i]));
            }

            var linked = ListAssert.Consistent(head);
            Assert.Equal(Count / 2, linked.Count);
            for (var i = 0; i < Count / 2; i++)
            {
                Assert.Equal((nint)(&nodes[2 * i]), linked[i]);
                ListAssert.Detached(&nodes[(2 * i) + 1]);
            }

            for (var i = 0; i < Count; i += 2)
            {
                Assert.True(ListHead.PopFirst(head) == &nodes[i]);
            }

            ListAssert.Sequence(head);
        }
        finally
        {
            NativeMemory.Free(nodes);
            NativeMemory.Free(head);
        }
    }

    [Fact]
    public void IsLinked_NodeFromAllocZeroed_IsDetachedAndLinksWithoutInit()
    {
        var node = (ListHead*)NativeMemory.AllocZeroed((nuint)sizeof(ListHead));
        try
        {
            ListHead head;
            ListHead.Init(&head);

            ListAssert.Detached(node);
            ListHead.AddTail(&head, node);
            ListAssert.Sequence(&head, node);
            Assert.True(ListHead.Remove(node));
            ListAssert.Detached(node);
        }
        finally
        {
            NativeMemory.Free(node);
        }
    }

    [Fact]
    public void Enumerate_RemovingAndFreeingCurrentNode_VisitsEveryNode()
    {
        const int Count = 16;
        ListHead head;
        ListHead.Init(&head);
        var expected = new List<nint>();
        for (var i = 0; i < Count; i++)
        {
            var node = (ListHead*)NativeMemory.AllocZeroed((nuint)sizeof(ListHead));
            ListHead.AddTail(&head, node);
            expected.Add((nint)node);
        }

        var seen = new List<nint>();
        foreach (var n in ListHead.Enumerate(&head))
        {
            seen.Add((nint)n);
            Assert.True(ListHead.Remove(n));

            // Poison, then free: the enumerator must not read the current node again.
            n->Next = (ListHead*)0xDEAD;
            n->Prev = (ListHead*)0xBEEF;
            NativeMemory.Free(n);
        }

        Assert.Equal(expected, seen);
        ListAssert.Sequence(&head);
    }

    [Fact]
    public void Initializer_TryInitOnGarbageSlot_MakesEmptyListAndSucceeds()
    {
        var head = (ListHead*)NativeMemory.Alloc((nuint)sizeof(ListHead));
        try
        {
            NativeMemory.Fill(head, (nuint)sizeof(ListHead), 0xCD);

            var ok = RunInit(ListHead.Initializer(), head, out var error);

            Assert.True(ok);
            Assert.Equal(default, error);
            Assert.True(head->Next == head && head->Prev == head);
            ListAssert.Sequence(head);

            ListHead node = default;
            ListHead.AddTail(head, &node);
            ListAssert.Sequence(head, &node);
            ListHead.Remove(&node);
        }
        finally
        {
            NativeMemory.Free(head);
        }
    }

    [Fact]
    public void Initializer_UsedTwice_InitializesBothSlots()
    {
        ListHead first, second;
        var init = ListHead.Initializer();

        Assert.True(RunInit(init, &first, out _));
        Assert.True(RunInit(init, &second, out _));

        ListAssert.Sequence(&first);
        ListAssert.Sequence(&second);
    }

    // Constrained generic, the way storage (PinBox, PinInit.InPlace) calls an initializer.
    private static bool RunInit<TInit>(TInit init, ListHead* slot, out Infallible error)
        where TInit : IPinInit<ListHead, Infallible> => init.TryInit(slot, out error);
}
