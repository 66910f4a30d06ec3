using System.Diagnostics;
using System.Globalization;

namespace PinSync.Bench.Latency;

/// <summary>
/// <c>--idle-wake [--rounds n]</c>: what a deferred wake (RawMutex.Deferral.cs) costs an idle lock. A holder wakes a
/// queued async waiter, takes the lock straight back, lets the waiter lose and re-queue (<c>Task.Yield</c>), then
/// unlocks for the last time and ends its work item. Measured: from that last unlock to the waiter holding the lock,
/// with deferred wakes on and off in alternate rounds of one process.
/// </summary>
internal static class IdleWakeLatency
{
    internal static void Run(int rounds)
    {
        var mutex = new PinnedMutex<long>(0);
        var samples = new[] { new List<double>(), new List<double>() }; // [0] deferral on, [1] off
        var notLost = 0;
        for (var r = 0; r < rounds + 200; r++)
        {
            var on = r % 2 == 0;
            RawMutex.s_deferWakes = on;
            var (us, lost) = Task.Run(() => Once(mutex)).GetAwaiter().GetResult();
            if (r < 200)
            {
                continue; // warm-up
            }

            if (lost)
            {
                samples[on ? 0 : 1].Add(us);
            }
            else
            {
                notLost++;
            }
        }

        RawMutex.s_deferWakes = true;
        mutex.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# idle wake after a lost race, {rounds} alternate rounds, load average (1 min) {Infrastructure.LoadAverage.OneMinuteText()}; rounds where the waiter did not lose: {notLost}"));
        for (var i = 0; i < 2; i++)
        {
            var sorted = samples[i].Order().ToArray();
            double At(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(i == 0 ? "deferred wake" : "wake at once"),-14} n {sorted.Length,6}  p50 {At(0.5),7:0.0} us  p90 {At(0.9),7:0.0} us  p99 {At(0.99),8:0.0} us  max {(sorted.Length == 0 ? 0 : sorted[^1]),9:0.0} us"));
        }
    }

    private static async Task<(double Us, bool Lost)> Once(PinnedMutex<long> mutex)
    {
        var holder = await mutex.LockAsync();
        long acquiredAt = 0;
        var waiter = Waiter(mutex, () => acquiredAt = Stopwatch.GetTimestamp());
        holder.Dispose(); // wakes the waiter: its completion is queued on this thread
        holder = await mutex.LockAsync(); // takes the lock straight back (the wake is still queued)
        await Task.Yield(); // the waiter runs, loses and re-queues
        var lost = mutex.WaiterCount == 1;
        var releasedAt = Stopwatch.GetTimestamp();
        holder.Dispose(); // the last unlock; this work item ends at the await below
        await waiter;
        return (Stopwatch.GetElapsedTime(releasedAt, acquiredAt).TotalMicroseconds, lost);
    }

    private static async Task Waiter(PinnedMutex<long> mutex, Action acquired)
    {
        using var guard = await mutex.LockAsync();
        acquired();
        guard.Value++;
    }
}
