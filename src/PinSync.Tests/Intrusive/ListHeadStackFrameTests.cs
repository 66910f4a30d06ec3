using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync.Tests.Intrusive;

/// <summary>
/// Nodes that live on several stack frames at once, all linked into one head owned by the outermost frame: each
/// frame links its own node and unlinks it in <see langword="finally"/> before returning, also when an exception
/// unwinds through it (DESIGN §2: a stack node is unlinked before its frame returns, on every path).
/// </summary>
public sealed unsafe class ListHeadStackFrameTests : TestBase
{
    private const int NoDepth = -1;

    private static readonly nint s_linkOffset = ListHead.OffsetOf<FrameWaiter>(static w => &w->Link);

    [Fact]
    public void Remove_StackNodesOnNestedFrames_EachUnlinkedBeforeItsFrameReturns()
    {
        ListHead head;
        ListHead.Init(&head);
        var walk = new Walk(&head, maxDepth: 16, throwAt: NoDepth, catchAt: NoDepth);

        Descend(walk, 0);

        ListAssert.Sequence(&head);
        Assert.Equal(Enumerable.Range(0, 16).Reverse(), walk.UnlinkOrder);
        Assert.Equal(16 - 1, walk.ChecksAfterReturn);
    }

    [Theory]
    [InlineData(16, 15)]
    [InlineData(16, 7)]
    [InlineData(16, 0)]
    [InlineData(1, 0)]
    public void Remove_ExceptionUnwindsThroughStackNodes_EveryFrameUnlinksItsNode(int maxDepth, int throwAt)
    {
        ListHead head;
        ListHead.Init(&head);
        var walk = new Walk(&head, maxDepth, throwAt, catchAt: NoDepth);

        var ex = Assert.Throws<FrameException>(() => Descend(walk, 0));

        Assert.Equal(throwAt, ex.Depth);
        ListAssert.Sequence(&head);
        Assert.Equal(Enumerable.Range(0, throwAt + 1).Reverse(), walk.UnlinkOrder);
        Assert.Equal(0, walk.ChecksAfterReturn);
    }

    [Theory]
    [InlineData(16, 12, 4)]
    [InlineData(16, 5, 4)]
    [InlineData(16, 15, 0)]
    public void Remove_ExceptionCaughtMidway_DeeperNodesGoneAndShallowerStillLinked(int maxDepth, int throwAt, int catchAt)
    {
        ListHead head;
        ListHead.Init(&head);
        var walk = new Walk(&head, maxDepth, throwAt, catchAt);

        Descend(walk, 0);

        ListAssert.Sequence(&head);
        Assert.Equal(catchAt, walk.CaughtAt);
        Assert.Equal(Enumerable.Range(0, throwAt + 1).Reverse(), walk.UnlinkOrder);
    }

    // One frame: links a node that lives in this frame (a local at even depths, stackalloc at odd depths),
    // recurses, and unlinks the node in finally, so the list never points into a dead frame.
    private static void Descend(Walk walk, int depth)
    {
        FrameWaiter local = default;
        FrameWaiter* w;
        if (depth % 2 == 0)
        {
            w = &local;
        }
        else
        {
            var block = stackalloc FrameWaiter[1];
            w = block;
            *w = default;
        }

        w->Depth = depth;
        w->Cookie = 0x5EED_0000L + depth;
        ListHead.AddTail(walk.Head, &w->Link);
        walk.Links.Add((nint)(&w->Link));
        try
        {
            AssertFramesDownTo(walk, depth);

            if (depth == walk.ThrowAt)
            {
                throw new FrameException(depth);
            }

            if (depth + 1 < walk.MaxDepth)
            {
                try
                {
                    Descend(walk, depth + 1);

                    // The deeper frames have returned: none of their nodes may still be linked.
                    AssertFramesDownTo(walk, depth);
                    walk.ChecksAfterReturn++;
                }
                catch (FrameException) when (depth == walk.CatchAt)
                {
                    // The deeper frames have unwound: none of their nodes may still be linked.
                    AssertFramesDownTo(walk, depth);
                    walk.CaughtAt = depth;
                }
            }
        }
        finally
        {
            // SAFETY: the node lives in this frame; unlinking it here, on every path, is what keeps the list valid.
            var removed = ListHead.Remove(&w->Link);
            walk.UnlinkOrder.Add(depth);
            walk.Links.RemoveAt(walk.Links.Count - 1);

            Assert.True(removed, $"frame {depth}: its node was no longer linked");
            ListAssert.Detached(&w->Link);
            AssertFramesDownTo(walk, depth - 1);
        }
    }

    // The list holds exactly the nodes of frames 0..depth, in frame order, each one recoverable as its frame's
    // waiter, with consistent links.
    private static void AssertFramesDownTo(Walk walk, int depth)
    {
        var linked = ListAssert.Consistent(walk.Head);
        Assert.Equal(depth + 1, linked.Count);
        Assert.Equal(walk.Links.GetRange(0, depth + 1), linked);

        var i = 0;
        foreach (var n in ListHead.Enumerate(walk.Head))
        {
            var owner = ListHead.ContainerOf<FrameWaiter>(n, s_linkOffset);
            Assert.Equal(i, owner->Depth);
            Assert.Equal(0x5EED_0000L + i, owner->Cookie);
            i++;
        }
    }

    [Pinned]
    [StructLayout(LayoutKind.Sequential)]
    private struct FrameWaiter
    {
        public long Cookie;
        public int Depth;
        public ListHead Link;
    }

    private sealed class Walk(ListHead* head, int maxDepth, int throwAt, int catchAt)
    {
        public ListHead* Head { get; } = head;

        public int MaxDepth { get; } = maxDepth;

        public int ThrowAt { get; } = throwAt;

        public int CatchAt { get; } = catchAt;

        /// <summary>The link address of each live frame's node, indexed by depth.</summary>
        public List<nint> Links { get; } = [];

        public List<int> UnlinkOrder { get; } = [];

        public int ChecksAfterReturn { get; set; }

        public int CaughtAt { get; set; } = NoDepth;
    }

    private sealed class FrameException(int depth) : Exception($"thrown at depth {depth}")
    {
        public int Depth { get; } = depth;
    }
}
