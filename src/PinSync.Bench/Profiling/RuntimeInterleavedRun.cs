using System.Diagnostics;
using System.Globalization;
using PinSync.Bench.Runtime;
using PinSync.Runtime;
using PinSync.Runtime.Internal;

namespace PinSync.Bench.Profiling;

/// <summary>
/// <c>--ab-runtime</c>: the price of the request timeout, measured interleaved in one process. Each round runs every
/// configuration once in a rotating order (the default 30 s timeout enforced by the runtime's coarse sweep, the same
/// timeout with one seam timer per request as before the sweep, the default timeout with request pooling off, and no
/// timeout), so a burst of outside load hits all of them alike. The table gives medians over the rounds of calls/s
/// and bytes/call, and each timed configuration's cost against no timeout, in calls/s and in the process's CPU time
/// per call (which other processes' load disturbs less). The "paired" column is the median over the rounds of each
/// round's own cost (its timed run against its untimed run, seconds apart): a burst of load that slows a whole
/// round cancels out there, while it shifts the medians of the two rows apart when it hits them unevenly.
/// </summary>
internal static class RuntimeInterleavedRun
{
    private const int Callers = GrainThroughputBenchmarks.Callers;
    private const int CallsPerCaller = 4_000;
    private const int Grains = GrainThroughputBenchmarks.Grains;
    private const int SequentialCalls = 100_000;

    private enum Config
    {
        Sweep,
        PerRequestTimer,
        SweepUnpooled,
        NoTimeout,
    }

    /// <summary>Runs <paramref name="rounds"/> rounds and writes the table to the console and to <c>ab-runtime.txt</c>
    /// in <paramref name="resultsDirectory"/>; <paramref name="pairOnly"/> measures only the sweep and no timeout.</summary>
    internal static void Run(int rounds, string resultsDirectory, bool pairOnly = false)
    {
        var configs = pairOnly ? [Config.Sweep, Config.NoTimeout] : Enum.GetValues<Config>();
        var workloads = new (string Name, Func<GrainRuntime, Task<int>> Run)[]
        {
            ("non-reentrant Inc, 64 callers x 16 grains", NonReentrant),
            ("[Reentrant] Inc, 64 callers x 16 grains", Reentrant),
            ("1 caller, sequential", Sequential),
            ("grain -> grain (Forward -> Leaf), 64 callers", GrainToGrain),
        };
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"# {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {rounds} interleaved rounds, load average (1 min) {Infrastructure.LoadAverage.OneMinuteText()}"),
            "workload                                    config            calls/s (median, min-max)        B/call   cost vs no timeout   CPU ns/call (cost)   paired cost (calls/s, CPU)",
        };
        Console.WriteLine(lines[0]);
        Console.WriteLine(lines[1]);
        foreach (var (name, run) in workloads)
        {
            var rates = configs.ToDictionary(c => c, _ => new List<double>());
            var bytes = configs.ToDictionary(c => c, _ => new List<double>());
            var cpu = configs.ToDictionary(c => c, _ => new List<double>());
            for (var round = -1; round < rounds; round++)
            {
                for (var k = 0; k < configs.Length; k++)
                {
                    var config = configs[(k + Math.Max(round, 0)) % configs.Length];
                    var (rate, perCall, cpuPerCall) = Measure(config, run);
                    if (round >= 0)
                    {
                        // Round -1 warms every configuration up (JIT, activations) and is not counted.
                        rates[config].Add(rate);
                        bytes[config].Add(perCall);
                        cpu[config].Add(cpuPerCall);
                    }
                }
            }

            var untimed = Median(rates[Config.NoTimeout]);
            var untimedCpu = Median(cpu[Config.NoTimeout]);
            foreach (var config in configs)
            {
                var median = Median(rates[config]);
                var cost = config == Config.NoTimeout ? "" : string.Create(CultureInfo.InvariantCulture, $"{(1 - (median / untimed)) * 100,6:F1} %");
                var cpuCost = config == Config.NoTimeout ? "" : string.Create(CultureInfo.InvariantCulture, $"{((Median(cpu[config]) / untimedCpu) - 1) * 100,6:F1} %");
                var paired = config == Config.NoTimeout ? "" : string.Create(CultureInfo.InvariantCulture,
                    $"{Paired(rates[config], rates[Config.NoTimeout], (timed, untimed) => 1 - (timed / untimed)) * 100,6:F1} % {Paired(cpu[config], cpu[Config.NoTimeout], (timed, untimed) => (timed / untimed) - 1) * 100,6:F1} %");
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{name,-43} {config,-17} {median / 1e6,6:F3} M/s ({rates[config].Min() / 1e6:F3}-{rates[config].Max() / 1e6:F3}) {Median(bytes[config]),12:F0}   {cost,8}   {Median(cpu[config]),8:F0} {cpuCost,8}   {paired}");
                Console.WriteLine(line);
                lines.Add(line);
            }
        }

        Directory.CreateDirectory(resultsDirectory);
        File.WriteAllLines(Path.Combine(resultsDirectory, "ab-runtime.txt"), lines);
    }

    private static (double Rate, double BytesPerCall, double CpuNanosecondsPerCall) Measure(Config config, Func<GrainRuntime, Task<int>> run)
    {
        RequestDeadlines.ForcePerRequestTimers = config == Config.PerRequestTimer;
        var options = new GrainRuntimeOptions();
        if (config == Config.NoTimeout)
        {
            options.RequestTimeout = Timeout.InfiniteTimeSpan;
        }

        if (config == Config.SweepUnpooled)
        {
            options.RequestPoolSize = 0;
        }

        var runtime = new GrainRuntime(options);
        try
        {
            // One call per grain first, so activation is not measured.
            run(runtime).GetAwaiter().GetResult();
            var allocated = GC.GetTotalAllocatedBytes(precise: false);
            var cpuStarted = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var calls = run(runtime).GetAwaiter().GetResult();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;

            // CPU time of this process per call: less sensitive than calls/s to other processes taking the cores.
            var cpuNanoseconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuStarted).TotalNanoseconds;
            return (calls / elapsed, (double)(GC.GetTotalAllocatedBytes(precise: false) - allocated) / calls, cpuNanoseconds / calls);
        }
        finally
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
            RequestDeadlines.ForcePerRequestTimers = false;
        }
    }

    private static async Task<int> NonReentrant(GrainRuntime runtime)
    {
        var grains = Enumerable.Range(0, Grains).Select(i => runtime.GetGrain<IBenchGrain>("t" + i)).ToArray();
        await Parallel(async caller =>
        {
            for (var i = 0; i < CallsPerCaller; i++)
            {
                await grains[(caller + i) % Grains].Add(1);
            }
        });
        return Callers * CallsPerCaller;
    }

    private static async Task<int> Reentrant(GrainRuntime runtime)
    {
        var grains = Enumerable.Range(0, Grains).Select(i => runtime.GetGrain<IReentrantBenchGrain>("t" + i)).ToArray();
        await Parallel(async caller =>
        {
            for (var i = 0; i < CallsPerCaller; i++)
            {
                await grains[(caller + i) % Grains].Add(1);
            }
        });
        return Callers * CallsPerCaller;
    }

    private static async Task<int> GrainToGrain(GrainRuntime runtime)
    {
        // Each call is two requests (Forward, then Leaf from inside it); counted as one call, as in the table.
        var grains = Enumerable.Range(0, Grains).Select(i => runtime.GetGrain<IChainBenchGrain>("f" + i)).ToArray();
        var leaves = Enumerable.Range(0, Grains).Select(i => "leaf" + i).ToArray();
        await Parallel(async caller =>
        {
            for (var i = 0; i < CallsPerCaller / 4; i++)
            {
                await grains[(caller + i) % Grains].Forward(leaves[(caller + i) % Grains]);
            }
        });
        return Callers * (CallsPerCaller / 4);
    }

    private static async Task<int> Sequential(GrainRuntime runtime)
    {
        var grain = runtime.GetGrain<IBenchGrain>("seq");
        for (var i = 0; i < SequentialCalls; i++)
        {
            await grain.Add(1);
        }

        return SequentialCalls;
    }

    private static Task Parallel(Func<int, Task> caller)
    {
        var callers = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            var id = c;
            callers[c] = Task.Run(() => caller(id));
        }

        return Task.WhenAll(callers);
    }

    /// <summary>The median over the rounds of <paramref name="cost"/>(timed, untimed) of the same round.</summary>
    private static double Paired(List<double> timed, List<double> untimed, Func<double, double, double> cost) =>
        Median(timed.Zip(untimed, cost).ToList());

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
