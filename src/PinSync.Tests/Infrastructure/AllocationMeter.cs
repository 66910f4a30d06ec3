namespace PinSync.Tests;

/// <summary>
/// Measures steady-state allocation per cycle of an async loop. The counter is process-wide, and the test host and
/// earlier tests' leftovers add a roughly fixed ~150 KB to a window whatever its length (measured), so a window is
/// long, and the best of a few attempts is taken: a real per-cycle allocation shows in every attempt, noise does not.
/// Use from tests in <see cref="AllocationCollection"/>.
/// </summary>
internal static class AllocationMeter
{
    /// <summary>Runs <paramref name="run"/> once to warm up, then returns the lowest bytes-per-cycle of up to
    /// <paramref name="attempts"/> windows of <paramref name="cycles"/> cycles (stopping early below 1 byte).</summary>
    internal static async Task<double> BestBytesPerCycleAsync(Func<int, Task> run, int cycles = 200_000, int attempts = 3, int warmUp = 2_000)
    {
        await run(warmUp);
        var best = double.MaxValue;
        for (var attempt = 0; attempt < attempts && best >= 1.0; attempt++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await run(cycles);
            best = Math.Min(best, (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / cycles);
        }

        return best;
    }
}
