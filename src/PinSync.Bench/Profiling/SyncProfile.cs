using System.Diagnostics;
using System.Globalization;
using PinSync.Bench.Infrastructure;

namespace PinSync.Bench.Profiling;

/// <summary>
/// Part of <c>--profile</c>: the contended blocking workload of <see cref="Sync.ContendedSyncBenchmarks"/> (increment
/// inside), per acquisition: time, and the share of acquisitions that went past spinning and queued (PinSync's meter;
/// the BCL types report contention through <see cref="Monitor.LockContentionCount"/>).
/// </summary>
internal static class SyncProfile
{
    private const int OpsPerRound = 1 << 16;

    internal static IEnumerable<string> Run(double secondsPerRow, Func<(long Queued, long Handoffs)> meter)
    {
        yield return "blocking, increment inside            ns/acq  contentions/acq  queued  handoffs";
        foreach (var threads in new[] { 2, 4 })
        {
            var gate = new Lock();
            var monitor = new object();
            var mutex = new PinnedMutex<long>(0);
            long counter = 0;
            yield return Row($"{threads} threads, Lock", threads, secondsPerRow, meter, () =>
            {
                for (var i = 0; i < OpsPerRound / threads; i++)
                {
                    using (gate.EnterScope())
                    {
                        counter++;
                    }
                }
            });
            yield return Row($"{threads} threads, Monitor", threads, secondsPerRow, meter, () =>
            {
                for (var i = 0; i < OpsPerRound / threads; i++)
                {
                    lock (monitor)
                    {
                        counter++;
                    }
                }
            });
            yield return Row($"{threads} threads, PinnedMutex", threads, secondsPerRow, meter, () =>
            {
                for (var i = 0; i < OpsPerRound / threads; i++)
                {
                    using var guard = mutex.Lock();
                    guard.Value++;
                }
            });
        }
    }

    private static string Row(string name, int threads, double seconds, Func<(long Queued, long Handoffs)> meter, Action body)
    {
        using var crew = new ThreadCrew(threads, _ => body());
        var warmUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 5);
        while (Stopwatch.GetTimestamp() < warmUntil)
        {
            crew.RunRound();
        }

        var rounds = 0;
        var (queued0, handoffs0) = meter();
        var contention0 = Monitor.LockContentionCount;
        var t0 = Stopwatch.GetTimestamp();
        var until = t0 + (long)(seconds * Stopwatch.Frequency);
        do
        {
            crew.RunRound();
            rounds++;
        }
        while (Stopwatch.GetTimestamp() < until);

        var elapsed = Stopwatch.GetElapsedTime(t0);
        var (queued1, handoffs1) = meter();
        double ops = (double)rounds * OpsPerRound;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{name,-36} {elapsed.TotalNanoseconds / ops,7:0} {(Monitor.LockContentionCount - contention0) / ops,16:P2} " +
            $"{(queued1 - queued0) / ops,7:P2} {(handoffs1 - handoffs0) / ops,9:P3}");
        Console.WriteLine(line);
        return line;
    }
}
