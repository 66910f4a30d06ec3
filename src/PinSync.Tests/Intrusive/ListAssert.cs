using PinSync.Intrusive;

namespace PinSync.Tests.Intrusive;

/// <summary>Structural checks of a <see cref="ListHead"/> ring, written independently of the list's own code.</summary>
internal static unsafe class ListAssert
{
    /// <summary>A walk longer than this means the ring does not come back to its head: a corrupt list.</summary>
    private const int MaxWalk = 1_000_000;

    /// <summary>
    /// Walks the ring forward and backward and returns the element addresses in forward order. Fails when a link is
    /// null, a back link does not match (<c>n-&gt;Next-&gt;Prev != n</c> or <c>n-&gt;Prev-&gt;Next != n</c>), the walk
    /// does not return to the head, or the backward walk is not the reverse of the forward walk.
    /// </summary>
    public static List<nint> Consistent(ListHead* head)
    {
        Assert.True(head->Next != null && head->Prev != null, "head has a null link");
        var forward = new List<nint>();
        for (var n = head->Next; n != head; n = n->Next)
        {
            // Messages are only formatted on failure: the randomized model test calls this after every operation.
            if (n == null || n->Next == null || n->Prev == null)
            {
                Assert.Fail($"element {forward.Count} (0x{(nint)n:x}) is null or has a null link");
            }

            if (n->Next->Prev != n || n->Prev->Next != n)
            {
                Assert.Fail($"element {forward.Count}: n->Next->Prev != n or n->Prev->Next != n");
            }

            forward.Add((nint)n);
            Assert.True(forward.Count < MaxWalk, "forward walk does not return to the head");
        }

        var backward = new List<nint>();
        for (var n = head->Prev; n != head; n = n->Prev)
        {
            backward.Add((nint)n);
            Assert.True(backward.Count < MaxWalk, "backward walk does not return to the head");
        }

        backward.Reverse();
        if (!forward.SequenceEqual(backward))
        {
            Assert.Equal(forward, backward);
        }

        if (forward.Contains((nint)head) || new HashSet<nint>(forward).Count != forward.Count)
        {
            Assert.Fail("the ring visits the head or an element twice");
        }

        return forward;
    }

    /// <summary>Asserts the ring is consistent and holds exactly <paramref name="expected"/>, in that order.</summary>
    public static void Sequence(ListHead* head, params ListHead*[] expected)
    {
        var actual = Consistent(head);
        var expectedAddresses = new List<nint>(expected.Length);
        foreach (var p in expected)
        {
            expectedAddresses.Add((nint)p);
        }

        Assert.Equal(expectedAddresses, actual);
        Assert.Equal(expected.Length, ListHead.Count(head));
        Assert.Equal(expected.Length == 0, ListHead.IsEmpty(head));
    }

    /// <summary>Asserts the node is detached: both links null.</summary>
    public static void Detached(ListHead* node)
    {
        Assert.True(node->Next == null, "detached node has a non-null Next");
        Assert.True(node->Prev == null, "detached node has a non-null Prev");
        Assert.False(ListHead.IsLinked(node));
    }
}
