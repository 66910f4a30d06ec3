namespace PinSync.Tests;

/// <summary>
/// Tests that measure process-wide allocation (<see cref="GC.GetTotalAllocatedBytes(bool)"/>) run alone, after the
/// parallel tests, so that other tests' allocations do not count against them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation (not parallel)";
}
