using System.Runtime.InteropServices;
using PinSync.Intrusive;

namespace PinSync.Tests.Intrusive;

/// <summary>
/// Seeded random operation sequences on two lists sharing a pool of native nodes, checked after every operation
/// against a reference model (one <see cref="List{T}"/> of node indices per list): forward and backward order,
/// back links, First/Last/Count/IsEmpty, enumeration, and the IsLinked flag and null links of every pool node.
/// </summary>
public sealed unsafe class ListHeadModelTests : TestBase
{
    private const int Seeds = 200;
    private const int OpsPerSeed = 500;
    private const int PoolSize = 12;
    private const int Lists = 2;

    private enum Op
    {
        AddTail,
        AddHead,
        Remove,
        PopFirst,
    }

    [Fact]
    public void RandomOperations_TwoHundredSeeds_MatchReferenceModelAfterEveryOp()
    {
        var totalOps = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            totalOps += RunSeed(seed);
        }

        Assert.Equal(Seeds * OpsPerSeed, totalOps);
    }

    [Theory]
    [InlineData(1_000_001)]
    [InlineData(424_242)]
    public void RandomOperations_OtherSeeds_MatchReferenceModelAfterEveryOp(int seed)
    {
        Assert.Equal(OpsPerSeed, RunSeed(seed));
    }

    private static int RunSeed(int seed)
    {
        var random = new Random(seed);
        var heads = (ListHead*)NativeMemory.Alloc(Lists, (nuint)sizeof(ListHead));
        var pool = (ListHead*)NativeMemory.AllocZeroed(PoolSize, (nuint)sizeof(ListHead));
        var model = new List<int>[Lists];
        var ops = 0;
        try
        {
            for (var l = 0; l < Lists; l++)
            {
                ListHead.Init(&heads[l]);
                model[l] = [];
            }

            for (var step = 0; step < OpsPerSeed; step++)
            {
                var op = (Op)random.Next(4);
                var l = random.Next(Lists);
                var i = random.Next(PoolSize);
                var where = new Where(seed, step, op, l, i);
                var owner = model[0].Contains(i) ? 0 : model[1].Contains(i) ? 1 : -1;

                switch (op)
                {
                    case Op.AddTail:
                    case Op.AddHead:
                        var threw = false;
                        try
                        {
                            if (op == Op.AddTail)
                            {
                                ListHead.AddTail(&heads[l], &pool[i]);
                            }
                            else
                            {
                                ListHead.AddHead(&heads[l], &pool[i]);
                            }
                        }
                        catch (InvalidOperationException)
                        {
                            threw = true;
                        }

                        // A node already in a list (either one) is refused, and nothing changes.
                        Check(threw == (owner >= 0), where, $"threw={threw} but the model owner is {owner}");
                        if (!threw)
                        {
                            if (op == Op.AddTail)
                            {
                                model[l].Add(i);
                            }
                            else
                            {
                                model[l].Insert(0, i);
                            }
                        }

                        break;

                    case Op.Remove:
                        var removed = ListHead.Remove(&pool[i]);
                        Check(removed == (owner >= 0), where, $"Remove returned {removed} but the model owner is {owner}");
                        if (owner >= 0)
                        {
                            model[owner].Remove(i);
                        }

                        break;

                    case Op.PopFirst:
                        var popped = ListHead.PopFirst(&heads[l]);
                        var expected = model[l].Count == 0 ? null : &pool[model[l][0]];
                        Check(popped == expected, where, "PopFirst returned the wrong node");
                        if (model[l].Count > 0)
                        {
                            model[l].RemoveAt(0);
                        }

                        break;
                }

                AssertMatchesModel(heads, pool, model, where);
                ops++;
            }
        }
        finally
        {
            NativeMemory.Free(pool);
            NativeMemory.Free(heads);
        }

        return ops;
    }

    private static void AssertMatchesModel(ListHead* heads, ListHead* pool, List<int>[] model, Where where)
    {
        for (var l = 0; l < Lists; l++)
        {
            var head = &heads[l];
            var expected = model[l];

            // Forward and backward walks; ListAssert.Consistent also checks every back link.
            var actual = ListAssert.Consistent(head).ConvertAll(p => (int)((ListHead*)p - pool));
            if (!expected.SequenceEqual(actual))
            {
                Check(false, where, $"list {l} is [{string.Join(",", actual)}], model [{string.Join(",", expected)}]");
            }

            Check(ListHead.Count(head) == expected.Count, where, "Count");
            Check(ListHead.IsEmpty(head) == (expected.Count == 0), where, "IsEmpty");
            Check(ListHead.First(head) == (expected.Count == 0 ? null : &pool[expected[0]]), where, "First");
            Check(ListHead.Last(head) == (expected.Count == 0 ? null : &pool[expected[^1]]), where, "Last");

            var k = 0;
            foreach (var n in ListHead.Enumerate(head))
            {
                Check(k < expected.Count && n == &pool[expected[k]], where, "Enumerate yielded the wrong node");
                k++;
            }

            Check(k == expected.Count, where, "Enumerate yielded too few nodes");
        }

        for (var i = 0; i < PoolSize; i++)
        {
            var inModel = model[0].Contains(i) || model[1].Contains(i);
            Check(ListHead.IsLinked(&pool[i]) == inModel, where, "IsLinked disagrees with the model");
            Check(inModel || (pool[i].Next == null && pool[i].Prev == null), where, "a detached node has non-null links");
        }
    }

    // The message is a constant or only formatted by the caller on failure, so checks stay cheap on success.
    private static void Check(bool condition, Where where, string message)
    {
        if (!condition)
        {
            Assert.Fail($"{where}: {message}");
        }
    }

    private readonly record struct Where(int Seed, int Step, Op Op, int List, int Node)
    {
        public override string ToString() => $"seed {Seed}, step {Step}: {Op} on list {List}, node {Node}";
    }
}
