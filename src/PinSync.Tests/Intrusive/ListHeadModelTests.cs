using System.Runtime.InteropServices;
using PinSync.Intrusive;

namespace PinSync.Tests.Intrusive;

/// <summary>
/// Seeded random operation sequences on two lists sharing a pool of native nodes, checked after every operation
/// against a reference model (one <see cref="List{T}"/> of node indices per list).
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
    public void RandomOperations_LongRun_MatchReferenceModelAfterEveryOp(int seed)
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
                var where = $"seed {seed}, step {step}: {op} list {l} node {i}";
                var owner = Array.FindIndex(model, m => m.Contains(i));

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

                        // A node that is already in a list (either one) is refused and nothing changes.
                        Assert.True(threw == (owner >= 0), $"{where}: threw={threw} but model owner={owner}");
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
                        Assert.True(removed == (owner >= 0), $"{where}: Remove returned {removed} but model owner={owner}");
                        if (owner >= 0)
                        {
                            model[owner].Remove(i);
                        }

                        break;

                    case Op.PopFirst:
                        var popped = ListHead.PopFirst(&heads[l]);
                        if (model[l].Count == 0)
                        {
                            Assert.True(popped == null, $"{where}: PopFirst of an empty list returned a node");
                        }
                        else
                        {
                            Assert.True(popped == &pool[model[l][0]], $"{where}: PopFirst returned the wrong node");
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

    private static void AssertMatchesModel(ListHead* heads, ListHead* pool, List<int>[] model, string where)
    {
        for (var l = 0; l < Lists; l++)
        {
            var head = &heads[l];
            var expected = model[l];

            // Forward and backward walks (ListAssert.Consistent also checks every back link).
            var actual = ListAssert.Consistent(head).ConvertAll(p => (int)((p - (nint)pool) / sizeof(ListHead)));
            Assert.True(expected.SequenceEqual(actual), $"{where}: list {l} is [{string.Join(",", actual)}], model [{string.Join(",", expected)}]");

            Assert.Equal(expected.Count, ListHead.Count(head));
            Assert.Equal(expected.Count == 0, ListHead.IsEmpty(head));
            Assert.True(ListHead.First(head) == (expected.Count == 0 ? null : &pool[expected[0]]), $"{where}: First of list {l}");
            Assert.True(ListHead.Last(head) == (expected.Count == 0 ? null : &pool[expected[^1]]), $"{where}: Last of list {l}");

            var enumerated = new List<int>();
            foreach (var n in ListHead.Enumerate(head))
            {
                enumerated.Add((int)(n - pool));
            }

            Assert.True(expected.SequenceEqual(enumerated), $"{where}: enumeration of list {l}");
        }

        for (var i = 0; i < PoolSize; i++)
        {
            var inModel = model[0].Contains(i) || model[1].Contains(i);
            Assert.True(ListHead.IsLinked(&pool[i]) == inModel, $"{where}: IsLinked(node {i}) != {inModel}");
            if (!inModel)
            {
                Assert.True(pool[i].Next == null && pool[i].Prev == null, $"{where}: detached node {i} has non-null links");
            }
        }
    }
}
