using PinSync.Intrusive;

namespace PinSync.Tests.Intrusive;

/// <summary>The basic operations of <see cref="ListHead"/>, on a head and nodes that are stack locals.</summary>
public sealed unsafe class ListHeadTests : TestBase
{
    [Fact]
    public void Init_FreshHead_PointsAtItselfAndIsEmpty()
    {
        ListHead head;
        ListHead.Init(&head);

        Assert.True(head.Next == &head);
        Assert.True(head.Prev == &head);
        Assert.True(ListHead.IsEmpty(&head));
        Assert.Equal(0, ListHead.Count(&head));
        Assert.True(ListHead.First(&head) == null);
        Assert.True(ListHead.Last(&head) == null);
    }

    [Fact]
    public void Init_OverGarbage_ProducesEmptyList()
    {
        var head = new ListHead { Next = (ListHead*)0x1234, Prev = (ListHead*)0x5678 };
        ListHead.Init(&head);

        ListAssert.Sequence(&head);
    }

    [Fact]
    public void IsLinked_DefaultNode_ReturnsFalse()
    {
        ListHead node = default;

        ListAssert.Detached(&node);
    }

    [Fact]
    public void AddTail_ThreeNodes_KeepsInsertionOrderBothWays()
    {
        ListHead head, a = default, b = default, c = default;
        ListHead.Init(&head);

        ListHead.AddTail(&head, &a);
        ListHead.AddTail(&head, &b);
        ListHead.AddTail(&head, &c);

        ListAssert.Sequence(&head, &a, &b, &c);
        Assert.True(ListHead.First(&head) == &a);
        Assert.True(ListHead.Last(&head) == &c);
        Assert.True(ListHead.IsLinked(&a) && ListHead.IsLinked(&b) && ListHead.IsLinked(&c));
    }

    [Fact]
    public void AddHead_ThreeNodes_ReversesInsertionOrder()
    {
        ListHead head, a = default, b = default, c = default;
        ListHead.Init(&head);

        ListHead.AddHead(&head, &a);
        ListHead.AddHead(&head, &b);
        ListHead.AddHead(&head, &c);

        ListAssert.Sequence(&head, &c, &b, &a);
        Assert.True(ListHead.First(&head) == &c);
        Assert.True(ListHead.Last(&head) == &a);
    }

    [Fact]
    public void AddHeadAndAddTail_Interleaved_PlaceEachAtTheRightEnd()
    {
        ListHead head, a = default, b = default, c = default, d = default;
        ListHead.Init(&head);

        ListHead.AddTail(&head, &a);
        ListHead.AddHead(&head, &b);
        ListHead.AddTail(&head, &c);
        ListHead.AddHead(&head, &d);

        ListAssert.Sequence(&head, &d, &b, &a, &c);
    }

    [Fact]
    public void AddTail_NodeAlreadyInThisList_ThrowsAndLeavesListUnchanged()
    {
        ListHead head, a = default, b = default;
        ListHead.Init(&head);
        ListHead.AddTail(&head, &a);
        ListHead.AddTail(&head, &b);

        AssertAddThrows(&head, &a, atTail: true);
        AssertAddThrows(&head, &b, atTail: false);

        ListAssert.Sequence(&head, &a, &b);
    }

    [Fact]
    public void AddTail_NodeInAnotherList_ThrowsAndLeavesBothListsUnchanged()
    {
        ListHead first, second, a = default, b = default;
        ListHead.Init(&first);
        ListHead.Init(&second);
        ListHead.AddTail(&first, &a);
        ListHead.AddTail(&second, &b);

        AssertAddThrows(&second, &a, atTail: true);
        AssertAddThrows(&second, &a, atTail: false);

        ListAssert.Sequence(&first, &a);
        ListAssert.Sequence(&second, &b);
    }

    [Fact]
    public void AddTail_InitializedHeadAsNode_Throws()
    {
        ListHead head, other;
        ListHead.Init(&head);
        ListHead.Init(&other);

        AssertAddThrows(&head, &other, atTail: true);

        ListAssert.Sequence(&head);
        ListAssert.Sequence(&other);
    }

    [Fact]
    public void AddTail_HalfLinkedNode_Throws()
    {
        ListHead head, bogus;
        ListHead.Init(&head);
        var node = new ListHead { Next = null, Prev = &bogus };

        AssertAddThrows(&head, &node, atTail: true);
        AssertAddThrows(&head, &node, atTail: false);

        ListAssert.Sequence(&head);
        Assert.True(node.Prev == &bogus);
    }

    [Fact]
    public void Remove_FirstNode_UnlinksItAndKeepsTheRest()
    {
        ListHead head, a = default, b = default, c = default;
        Fill(&head, &a, &b, &c);

        Assert.True(ListHead.Remove(&a));

        ListAssert.Sequence(&head, &b, &c);
        ListAssert.Detached(&a);
    }

    [Fact]
    public void Remove_MiddleNode_UnlinksItAndKeepsTheRest()
    {
        ListHead head, a = default, b = default, c = default;
        Fill(&head, &a, &b, &c);

        Assert.True(ListHead.Remove(&b));

        ListAssert.Sequence(&head, &a, &c);
        ListAssert.Detached(&b);
    }

    [Fact]
    public void Remove_LastNode_UnlinksItAndKeepsTheRest()
    {
        ListHead head, a = default, b = default, c = default;
        Fill(&head, &a, &b, &c);

        Assert.True(ListHead.Remove(&c));

        ListAssert.Sequence(&head, &a, &b);
        ListAssert.Detached(&c);
        Assert.True(ListHead.Last(&head) == &b);
    }

    [Fact]
    public void Remove_OnlyNode_LeavesEmptyHeadPointingAtItself()
    {
        ListHead head, a = default;
        Fill(&head, &a);

        Assert.True(ListHead.Remove(&a));

        ListAssert.Sequence(&head);
        Assert.True(head.Next == &head && head.Prev == &head);
        ListAssert.Detached(&a);
    }

    [Fact]
    public void Remove_DetachedNode_ReturnsFalseAndChangesNothing()
    {
        ListHead head, a = default, b = default, loose = default;
        Fill(&head, &a, &b);
        nint[] before = [(nint)head.Next, (nint)head.Prev, (nint)a.Next, (nint)a.Prev, (nint)b.Next, (nint)b.Prev];

        Assert.False(ListHead.Remove(&loose));

        ListAssert.Detached(&loose);
        ListAssert.Sequence(&head, &a, &b);
        nint[] after = [(nint)head.Next, (nint)head.Prev, (nint)a.Next, (nint)a.Prev, (nint)b.Next, (nint)b.Prev];
        Assert.Equal(before, after);
    }

    [Fact]
    public void Remove_SameNodeTwice_SecondCallReturnsFalse()
    {
        ListHead head, a = default, b = default;
        Fill(&head, &a, &b);

        Assert.True(ListHead.Remove(&a));
        Assert.False(ListHead.Remove(&a));

        ListAssert.Sequence(&head, &b);
    }

    [Fact]
    public void Remove_ThenAddTailAgain_RelinksAtTheEnd()
    {
        ListHead head, a = default, b = default;
        Fill(&head, &a, &b);

        ListHead.Remove(&a);
        ListHead.AddTail(&head, &a);

        ListAssert.Sequence(&head, &b, &a);
    }

    [Fact]
    public void PopFirst_EmptyList_ReturnsNullAndStaysEmpty()
    {
        ListHead head;
        ListHead.Init(&head);

        Assert.True(ListHead.PopFirst(&head) == null);

        ListAssert.Sequence(&head);
    }

    [Fact]
    public void PopFirst_UntilEmpty_ReturnsNodesInOrderDetached()
    {
        ListHead head, a = default, b = default, c = default;
        Fill(&head, &a, &b, &c);

        var p1 = ListHead.PopFirst(&head);
        ListAssert.Sequence(&head, &b, &c);
        var p2 = ListHead.PopFirst(&head);
        var p3 = ListHead.PopFirst(&head);
        var p4 = ListHead.PopFirst(&head);

        Assert.True(p1 == &a && p2 == &b && p3 == &c);
        Assert.True(p4 == null);
        ListAssert.Sequence(&head);
        ListAssert.Detached(&a);
        ListAssert.Detached(&b);
        ListAssert.Detached(&c);
    }

    [Fact]
    public void Enumerate_EmptyList_YieldsNothing()
    {
        ListHead head;
        ListHead.Init(&head);
        var visited = 0;

        foreach (var n in ListHead.Enumerate(&head))
        {
            visited++;
        }

        Assert.Equal(0, visited);
    }

    [Fact]
    public void Enumerate_FourNodes_YieldsThemInOrder()
    {
        ListHead head, a = default, b = default, c = default, d = default;
        Fill(&head, &a, &b, &c, &d);
        var seen = new List<nint>();

        foreach (var n in ListHead.Enumerate(&head))
        {
            seen.Add((nint)n);
        }

        Assert.Equal(new List<nint> { (nint)(&a), (nint)(&b), (nint)(&c), (nint)(&d) }, seen);
        ListAssert.Sequence(&head, &a, &b, &c, &d);
    }

    [Fact]
    public void Enumerate_RemovingEachCurrentNode_VisitsAllAndEmptiesList()
    {
        ListHead head, a = default, b = default, c = default, d = default;
        Fill(&head, &a, &b, &c, &d);
        var seen = new List<nint>();

        foreach (var n in ListHead.Enumerate(&head))
        {
            seen.Add((nint)n);
            Assert.True(ListHead.Remove(n));
        }

        Assert.Equal(new List<nint> { (nint)(&a), (nint)(&b), (nint)(&c), (nint)(&d) }, seen);
        ListAssert.Sequence(&head);
        ListAssert.Detached(&a);
        ListAssert.Detached(&d);
    }

    [Fact]
    public void Enumerate_RemovingEveryOtherCurrentNode_KeepsTheOthersInOrder()
    {
        ListHead head, a = default, b = default, c = default, d = default, e = default;
        Fill(&head, &a, &b, &c, &d, &e);
        var index = 0;
        var visited = 0;

        foreach (var n in ListHead.Enumerate(&head))
        {
            visited++;
            if (index++ % 2 == 0)
            {
                ListHead.Remove(n);
            }
        }

        Assert.Equal(5, visited);
        ListAssert.Sequence(&head, &b, &d);
    }

    [Fact]
    public void Enumerator_CurrentBeforeAndAfterWalk_IsNull()
    {
        ListHead head, a = default;
        Fill(&head, &a);
        var e = ListHead.Enumerate(&head);

        Assert.True(e.Current == null);
        Assert.True(e.MoveNext());
        Assert.True(e.Current == &a);
        Assert.False(e.MoveNext());
        Assert.True(e.Current == null);
        Assert.False(e.MoveNext());
    }

    [Fact]
    public void Count_AfterAddsAndRemoves_MatchesNumberLinked()
    {
        ListHead head;
        ListHead.Init(&head);
        var nodes = stackalloc ListHead[10];
        new Span<ListHead>(nodes, 10).Clear();

        for (var i = 0; i < 10; i++)
        {
            ListHead.AddTail(&head, &nodes[i]);
            Assert.Equal(i + 1, ListHead.Count(&head));
        }

        for (var i = 0; i < 10; i += 3)
        {
            ListHead.Remove(&nodes[i]);
        }

        Assert.Equal(6, ListHead.Count(&head));
        Assert.Equal(6, ListAssert.Consistent(&head).Count);
    }

    [Fact]
    public void ToString_DetachedAndLinkedNodes_DescribeTheirLinks()
    {
        ListHead head, a = default;
        ListHead.Init(&head);

        Assert.Equal("ListHead { detached }", a.ToString());
        ListHead.AddTail(&head, &a);
        Assert.Equal($"ListHead {{ Next = 0x{(nuint)(&head):x}, Prev = 0x{(nuint)(&head):x} }}", a.ToString());
    }

    // A lambda cannot take the address of a local, so the expected throw is caught here instead of Assert.Throws.
    private static void AssertAddThrows(ListHead* head, ListHead* node, bool atTail)
    {
        try
        {
            if (atTail)
            {
                ListHead.AddTail(head, node);
            }
            else
            {
                ListHead.AddHead(head, node);
            }
        }
        catch (InvalidOperationException)
        {
            return;
        }

        Assert.Fail($"{(atTail ? "AddTail" : "AddHead")} of a node that is not detached did not throw.");
    }

    private static void Fill(ListHead* head, params ListHead*[] nodes)
    {
        ListHead.Init(head);
        foreach (var n in nodes)
        {
            ListHead.AddTail(head, n);
        }
    }
}
