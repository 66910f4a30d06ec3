using PinSync.Pinning;

namespace PinSync.Tests.Pinning;

public sealed unsafe class SlabTests : TestBase
{
    private const int Threads = 4;
    private const int OperationsPerThread = 100_000;

    [Fact]
    public void Rent_FreshSlab_ReturnsZeroedAlignedNode()
    {
        using var slab = new Slab<Node>();

        Node* node = slab.Rent();

        Assert.Equal(0, (long)node % 8);
        Assert.Equal(0, node->Owner);
        Assert.Equal(0, node->Payload);
        Assert.Equal(1, slab.Outstanding);
        slab.Return(node);
        Assert.Equal(0, slab.Outstanding);
    }

    [Fact]
    public void Rent_ReusedNode_IsZeroedAgain()
    {
        using var slab = new Slab<Node>(nodesPerChunk: 1);
        Node* first = slab.Rent();
        first->Owner = 77;
        first->Payload = 88;
        slab.Return(first);

        Node* again = slab.Rent();

        Assert.True(again == first);
        Assert.Equal(0, again->Owner);
        Assert.Equal(0, again->Payload);
        slab.Return(again);
    }

    [Fact]
    public void Rent_CacheLineAlignment_EveryNodeOnItsOwnLine()
    {
        using var slab = new Slab<Node>(nodesPerChunk: 8, alignment: Slab<Node>.CacheLineAlignment);
        var nodes = new List<nint>();
        for (int i = 0; i < 20; i++)
        {
            nodes.Add((nint)slab.Rent());
        }

        Assert.All(nodes, n => Assert.Equal(0, n % 64));
        Assert.Equal((nuint)64, slab.NodeStride);
        nodes.ForEach(n => slab.Return((Node*)n));
        Assert.Equal(0, slab.Outstanding);
    }

    [Fact]
    public void Rent_BeyondOneChunk_GrowsAndKeepsOldNodesInPlace()
    {
        using var slab = new Slab<Node>(nodesPerChunk: 4);
        var held = new List<nint>();
        for (int i = 0; i < 4; i++)
        {
            Node* n = slab.Rent();
            n->Payload = 1000 + i;
            held.Add((nint)n);
        }

        Assert.Equal(4, slab.Capacity);
        for (int i = 0; i < 40; i++)
        {
            held.Add((nint)slab.Rent());
        }

        Assert.Equal(44, slab.Capacity);
        Assert.Equal(44, slab.Outstanding);
        Assert.Equal(44, held.Distinct().Count());
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(1000 + i, ((Node*)held[i])->Payload); // Growth moved nothing.
        }

        held.ForEach(n => slab.Return((Node*)n));
        Assert.Equal(0, slab.Outstanding);
        Assert.Equal(44, slab.Capacity);
    }

    [Fact]
    public void Return_Twice_ThrowsAndCountStaysExact()
    {
        using var slab = new Slab<Node>();
        Node* node = slab.Rent();
        Node* other = slab.Rent();
        slab.Return(node);

        Assert.Throws<ArgumentException>(() => slab.Return(node));
        Assert.Equal(1, slab.Outstanding);
        slab.Return(other);
        Assert.Equal(0, slab.Outstanding);
    }

    [Fact]
    public void Return_NodeOfAnotherSlab_Throws()
    {
        using var mine = new Slab<Node>();
        using var theirs = new Slab<Node>();
        Node* foreign = theirs.Rent();

        Assert.Throws<ArgumentException>(() => mine.Return(foreign));
        Assert.Equal(0, mine.Outstanding);
        Assert.Equal(1, theirs.Outstanding);
        theirs.Return(foreign);
    }

    [Fact]
    public void Return_Null_Throws()
    {
        using var slab = new Slab<Node>();

        Assert.Throws<ArgumentException>(() => slab.Return(null));
    }

    [Fact]
    public void Dispose_ThenUse_ThrowsObjectDisposedAndSecondDisposeIsHarmless()
    {
        var slab = new Slab<Node>(nodesPerChunk: 2);
        Node* node = slab.Rent();
        _ = slab.Rent();
        _ = slab.Rent();

        slab.Dispose();
        slab.Dispose();

        Assert.Throws<ObjectDisposedException>(() => (nint)slab.Rent());
        Assert.Throws<ObjectDisposedException>(() => slab.Return(node));
        Assert.Equal(3, slab.Outstanding); // Kept for leak checks.
        Assert.Equal(0, slab.Capacity); // Every chunk freed.
    }

    [Fact]
    public void RentReturn_SteadyState_AllocatesNoManagedMemory()
    {
        using var slab = new Slab<Node>();
        slab.Return(slab.Rent());
        long before = GC.GetAllocatedBytesForCurrentThread();

        for (int i = 0; i < 10_000; i++)
        {
            Node* a = slab.Rent();
            Node* b = slab.Rent();
            slab.Return(a);
            slab.Return(b);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(0, slab.Outstanding);
    }

    [Fact]
    public void RentReturn_FourThreadsHundredThousandEach_OutstandingExactAndNoNodeRentedTwice()
    {
        using var slab = new Slab<Node>(nodesPerChunk: 16);
        using var barrier = new Barrier(Threads);
        long conflicts = 0;
        long maxOutstanding = 0;
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            long me = t + 1;
            threads[t] = new Thread(() =>
            {
                Node** held = stackalloc Node*[8];
                barrier.SignalAndWait(UnexpectedTimeout);
                for (int i = 0; i < OperationsPerThread; i++)
                {
                    int batch = (i % 8) + 1;
                    for (int k = 0; k < batch; k++)
                    {
                        Node* n = slab.Rent();

                        // A node rented by two threads at once would show another owner's stamp (or a non-zero one).
                        if (Interlocked.CompareExchange(ref n->Owner, me, 0) != 0)
                        {
                            Interlocked.Increment(ref conflicts);
                        }

                        n->Payload = i;
                        held[k] = n;
                    }

                    long outstanding = slab.Outstanding;
                    if (outstanding > Volatile.Read(ref maxOutstanding))
                    {
                        Volatile.Write(ref maxOutstanding, outstanding);
                    }

                    for (int k = 0; k < batch; k++)
                    {
                        if (Interlocked.CompareExchange(ref held[k]->Owner, 0, me) != me || held[k]->Payload != i)
                        {
                            Interlocked.Increment(ref conflicts);
                        }

                        slab.Return(held[k]);
                    }
                }
            });
        }

        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            JoinOrFail(thread);
        }

        Assert.Equal(0, Interlocked.Read(ref conflicts));
        Assert.Equal(0, slab.Outstanding);
        Assert.InRange(Volatile.Read(ref maxOutstanding), 1, Threads * 8);
        Assert.True(slab.Capacity <= Threads * 8 + 16, $"Capacity {slab.Capacity} grew past the peak demand.");
    }

    /// <summary>A small node: an owner stamp and a payload.</summary>
    private struct Node
    {
        public long Owner;
        public long Payload;
    }
}
