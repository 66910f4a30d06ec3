using System.Diagnostics;
using System.Globalization;
using PinSync.Bench.Sync;

namespace PinSync.Bench.Profiling;

/// <summary>
/// <c>--ab</c>: the contended async class's own benchmark methods (<see cref="ContendedAsyncBenchmarks"/>, the exact
/// code BenchmarkDotNet runs), called directly in one process, <b>interleaved</b>: each round runs one invocation
/// (65 536 acquisitions) of every method in a rotating order, so a burst of outside load hits all of them alike. The
/// table gives each method's median over the rounds, the spread (min–max of PinSync's rounds) and PinSync / best
/// peer. This is how a change to the primitives is judged on a shared machine: medians of interleaved rounds, not
/// separate runs.
/// </summary>
internal static class InterleavedRun
{
    private const int Peers = 4;

    private static (string Name, Func<ContendedAsyncBenchmarks, Task> Run)[] s_methods =
    [
        ("PinnedMutex", b => b.PinnedMutexRound()),
        ("SemaphoreSlim", b => b.SemaphoreSlimRound()),
        ("DotNext", b => b.DotNextRound()),
        ("Nito", b => b.NitoRound()),
        ("VS", b => b.VsRound()),
    ];

    /// <summary>An experiment: a sixth column, PinnedMutex with <paramref name="enter"/> applied for its rounds and
    /// <paramref name="leave"/> after (library switches the bench can reach), interleaved with the others.</summary>
    internal static void AddVariant(string name, Action enter, Action leave) =>
        s_methods = [.. s_methods, (name, async b =>
        {
            enter();
            try
            {
                await b.PinnedMutexRound();
            }
            finally
            {
                leave();
            }
        })];

    /// <summary>Runs the rows for each of <paramref name="tasks"/> × <paramref name="waits"/>, then the ping-pong table
    /// (<see cref="PingPongInterleavedRun"/>), and writes both to the console and to <c>ab.txt</c> in
    /// <paramref name="resultsDirectory"/>.</summary>
    internal static void Run(int[] tasks, HoldBody body, WaitMode[] waits, int rounds, string resultsDirectory)
    {
        using var meter = new MeterCounts();
        s_meter = meter;
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"# {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, body {body}, {rounds} interleaved rounds of {ContendedAsyncBenchmarks.OpsPerRound} acquisitions, "
                + $"load average (1 min) {Infrastructure.LoadAverage.OneMinuteText()}"),
            "tasks wait     PinnedMutex (min-max)        SemaphoreSlim  DotNext     Nito        VS          best peer      PinSync/best" +
                "   PinSync: pool items/acq queued/acq handoffs/acq",
        };
        Console.WriteLine(lines[0]);
        Console.WriteLine(lines[1]);
        foreach (var t in tasks)
        {
            foreach (var wait in waits)
            {
                var line = Row(t, body, wait, rounds);
                Console.WriteLine(line);
                lines.Add(line);
            }
        }

        lines.Add("");
        lines.AddRange(PingPongInterleavedRun.Run(rounds * 3));
        Directory.CreateDirectory(resultsDirectory);
        File.WriteAllLines(Path.Combine(resultsDirectory, "ab.txt"), lines);
    }

    /// <summary>Print every PinSync round (time, work items, queued waits, handoffs, pool threads).</summary>
    internal static bool Verbose { get; set; }

    private static bool s_firstRow = true;

    // PinSync's meter for the rows of the current Run.
    private static MeterCounts? s_meter;

    private static string Row(int tasks, HoldBody body, WaitMode wait, int rounds)
    {
        var bench = new ContendedAsyncBenchmarks { Tasks = tasks, Body = body, Wait = wait };
        var samples = new List<double>[s_methods.Length];
        for (var m = 0; m < s_methods.Length; m++)
        {
            samples[m] = [];
            // Warm-up: tiering (OSR, tier 1), pools, pool threads; the first row of a process needs the most.
            for (var w = 0; w < (s_firstRow ? 8 : 3); w++)
            {
                s_methods[m].Run(bench).GetAwaiter().GetResult();
            }
        }

        long items = 0, queued = 0, handoffs = 0;
        s_firstRow = false;
        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < s_methods.Length; k++)
            {
                var m = (k + r) % s_methods.Length;
                var (i0, q0, h0) = (ThreadPool.CompletedWorkItemCount, s_meter!.Queued, s_meter!.Handoffs);
                var t0 = Stopwatch.GetTimestamp();
                s_methods[m].Run(bench).GetAwaiter().GetResult();
                samples[m].Add(Stopwatch.GetElapsedTime(t0).TotalNanoseconds / ContendedAsyncBenchmarks.OpsPerRound);
                if (m == 0)
                {
                    if (Verbose)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"      round {r}: {samples[0][^1],7:0} ns/acq, {(ThreadPool.CompletedWorkItemCount - i0) / (double)ContendedAsyncBenchmarks.OpsPerRound:0.000} items/acq, "
                            + $"queued {s_meter!.Queued - q0}, handoffs {s_meter!.Handoffs - h0}, pool threads {ThreadPool.ThreadCount}"));
                    }

                    items += ThreadPool.CompletedWorkItemCount - i0;
                    queued += s_meter!.Queued - q0;
                    handoffs += s_meter!.Handoffs - h0;
                }
            }
        }

        double ops = (double)rounds * ContendedAsyncBenchmarks.OpsPerRound;

        bench.Cleanup();
        var medians = samples.Select(Median).ToArray();
        var best = Enumerable.Range(1, Peers).MinBy(i => medians[i]);
        var variant = s_methods.Length > Peers + 1
            ? string.Create(CultureInfo.InvariantCulture,
                $"   {s_methods[Peers + 1].Name} {medians[Peers + 1],7:0} ({samples[Peers + 1].Min(),5:0}-{samples[Peers + 1].Max(),5:0}) / best {medians[Peers + 1] / medians[best],5:0.00}")
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{tasks,5} {wait,-8} {medians[0],7:0} ({samples[0].Min(),5:0}-{samples[0].Max(),5:0})       {medians[1],9:0}  {medians[2],9:0}  {medians[3],9:0}  "
            + $"{medians[4],9:0}   {s_methods[best].Name,-13} {medians[0] / medians[best],6:0.00}"
            + $"   {items / ops,10:0.000} {queued / ops,10:0.0000} {handoffs / ops,10:0.00000}{variant}");
    }

    /// <summary>An extra sixth column: <paramref name="run"/> interleaved with the others.</summary>
    internal static void AddMethod(string name, Func<ContendedAsyncBenchmarks, Task> run) => s_methods = [.. s_methods, (name, run)];

    /// <summary>The floor of the Yield rows: the same workers and rounds with no lock at all (one <c>Task.Yield</c> per
    /// "acquisition").</summary>
    internal static async Task YieldOnlyRound(ContendedAsyncBenchmarks bench)
    {
        var workers = new Task[bench.Tasks];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = YieldOnly(ContendedAsyncBenchmarks.OpsPerRound / workers.Length);
        }

        await Task.WhenAll(workers);

        static async Task YieldOnly(int ops)
        {
            await Task.Yield();
            for (var i = 0; i < ops; i++)
            {
                await Task.Yield();
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
