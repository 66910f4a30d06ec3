using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PinSync.Runtime;
using IGrainFactory = Orleans.IGrainFactory;
using O = PinSync.Bench.Orleans.OnOrleans;
using P = PinSync.Bench.Orleans.OnPinSync;

namespace PinSync.Bench.Orleans;

/// <summary>
/// PinSync.Runtime (default 30 s request timeout, and none) against Orleans 10 (one in-process silo, localhost
/// clustering on 127.0.0.1 with free ports, the silo's own <c>IGrainFactory</c>) on the runtime benchmarks'
/// workloads, interleaved round by round in one process so outside load hits every host alike. Prints medians of
/// calls/s (µs/call for the sequential row) and allocated bytes per call (process-wide, so Orleans' background work
/// is included), and writes them to <c>orleans-column.txt</c> (readable) and <c>orleans-column.tsv</c> (read by
/// <c>PinSync.Bench --report</c>, which puts the column into docs/benchmarks.md and its chart). First argument: rounds
/// (default 7); second: the folder (default: the current one; pass BenchmarkDotNet.Artifacts/results).
/// </summary>
public static class Program
{
    private const int Callers = 64;
    private const int Grains = 16;
    private const int CallsPerCaller = 1_500;
    private const int SequentialCalls = 50_000;

    public static async Task<int> Main(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var folder = args.Length > 1 ? args[1] : ".";

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort()));
        using var host = builder.Build();
        await host.StartAsync();
        await using var timed = new GrainRuntime();
        await using var untimed = new GrainRuntime(new GrainRuntimeOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        try
        {
            var orleans = host.Services.GetRequiredService<IGrainFactory>();
            var hosts = new (string Name, Workloads Run)[]
            {
                ("PinSync (30 s timeout)", PinSyncWorkloads(timed)),
                ("PinSync (no timeout)", PinSyncWorkloads(untimed)),
                ("Orleans 10.4.2", OrleansWorkloads(orleans)),
            };
            var rows = new (string Name, bool Latency, Func<Workloads, Func<Task<int>>> Pick)[]
            {
                ("non-reentrant Inc, 64 callers x 16 grains", false, w => w.NonReentrant),
                ("grain -> grain (Forward -> Inc)", false, w => w.Forward),
                ("1 caller, sequential (latency)", true, w => w.Sequential),
                ("[Reentrant] Inc, 64 callers x 16 grains", false, w => w.Reentrant),
            };
            var started = DateTimeOffset.UtcNow;
            var loadBefore = LoadAverage();
            var lines = new List<string>
            {
                string.Create(CultureInfo.InvariantCulture, $"# {started:yyyy-MM-dd HH:mm} UTC, {rounds} interleaved rounds, {Environment.ProcessorCount} cores, load {loadBefore}"),
            };
            var tsv = new List<string> { "utc\trounds\tcores\tload_before\tload_after\tworkload\thost\tcalls_per_s\tns_per_call\tbytes_per_call\tmin_ns_per_call\tmax_ns_per_call" };
            var tsvRows = new List<string>();
            foreach (var (name, latency, pick) in rows)
            {
                var rates = hosts.Select(_ => new List<double>()).ToArray();
                var bytes = hosts.Select(_ => new List<double>()).ToArray();
                for (var round = -1; round < rounds; round++)
                {
                    for (var k = 0; k < hosts.Length; k++)
                    {
                        var h = (k + Math.Max(round, 0)) % hosts.Length;
                        var (rate, perCall) = await Measure(pick(hosts[h].Run));
                        if (round >= 0)
                        {
                            rates[h].Add(rate);
                            bytes[h].Add(perCall);
                        }
                    }
                }

                var orleansRate = Median(rates[^1]);
                for (var h = 0; h < hosts.Length; h++)
                {
                    var rate = Median(rates[h]);
                    var figure = latency ? $"{1e6 / rate,7:F2} µs/call" : $"{rate / 1e6,7:F3} M calls/s";
                    var line = string.Create(CultureInfo.InvariantCulture,
                        $"{name,-42} {hosts[h].Name,-23} {figure}  {Median(bytes[h]),7:F0} B/call  x{rate / orleansRate:F2} vs Orleans");
                    Console.WriteLine(line);
                    lines.Add(line);
                    tsvRows.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{name}\t{hosts[h].Name}\t{rate:F0}\t{1e9 / rate:F1}\t{Median(bytes[h]):F0}\t{1e9 / rates[h].Max():F1}\t{1e9 / rates[h].Min():F1}"));
                }
            }

            var loadAfter = LoadAverage();
            lines.Add($"# load after: {loadAfter}");
            tsv.AddRange(tsvRows.Select(row => string.Create(CultureInfo.InvariantCulture,
                $"{started:yyyy-MM-ddTHH:mm:ssZ}\t{rounds}\t{Environment.ProcessorCount}\t{loadBefore}\t{loadAfter}\t{row}")));
            Directory.CreateDirectory(folder);
            await File.WriteAllLinesAsync(Path.Combine(folder, "orleans-column.txt"), lines);
            await File.WriteAllLinesAsync(Path.Combine(folder, "orleans-column.tsv"), tsv);
            return 0;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private sealed record Workloads(Func<Task<int>> NonReentrant, Func<Task<int>> Forward, Func<Task<int>> Sequential, Func<Task<int>> Reentrant);

    private static Workloads PinSyncWorkloads(GrainRuntime runtime)
    {
        var inc = Enumerable.Range(0, Grains).Select(i => runtime.GetGrain<P.IIncGrain>("c" + i)).ToArray();
        var reentrant = Enumerable.Range(0, Grains).Select(i => runtime.GetGrain<P.IReentrantIncGrain>("r" + i)).ToArray();
        var forward = Enumerable.Range(0, Grains).Select(i => runtime.GetGrain<P.IForwardGrain>("f" + i)).ToArray();
        var single = runtime.GetGrain<P.IIncGrain>("seq");
        return new Workloads(
            () => Parallel(c => inc[c % Grains].Add(1)),
            () => Parallel(c => forward[c % Grains].Forward("fc" + (c % Grains))),
            () => Sequential(() => single.Add(1)),
            () => Parallel(c => reentrant[c % Grains].Add(1)));
    }

    private static Workloads OrleansWorkloads(IGrainFactory factory)
    {
        var inc = Enumerable.Range(0, Grains).Select(i => factory.GetGrain<O.IIncGrain>("c" + i)).ToArray();
        var reentrant = Enumerable.Range(0, Grains).Select(i => factory.GetGrain<O.IReentrantIncGrain>("r" + i)).ToArray();
        var forward = Enumerable.Range(0, Grains).Select(i => factory.GetGrain<O.IForwardGrain>("f" + i)).ToArray();
        var single = factory.GetGrain<O.IIncGrain>("seq");
        return new Workloads(
            () => Parallel(c => inc[c % Grains].Add(1)),
            () => Parallel(c => forward[c % Grains].Forward("fc" + (c % Grains))),
            () => Sequential(() => single.Add(1)),
            () => Parallel(c => reentrant[c % Grains].Add(1)));
    }

    private static async Task<(double Rate, double BytesPerCall)> Measure(Func<Task<int>> run)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var started = Stopwatch.GetTimestamp();
        var calls = await run();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (calls / elapsed, (double)(GC.GetTotalAllocatedBytes(precise: false) - allocated) / calls);
    }

    private static async Task<int> Parallel(Func<int, ValueTask<int>> call)
    {
        var callers = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            var id = c;
            callers[c] = Task.Run(async () =>
            {
                for (var i = 0; i < CallsPerCaller; i++)
                {
                    await call(id + i);
                }
            });
        }

        await Task.WhenAll(callers);
        return Callers * CallsPerCaller;
    }

    private static async Task<int> Sequential(Func<ValueTask<int>> call)
    {
        for (var i = 0; i < SequentialCalls; i++)
        {
            await call();
        }

        return SequentialCalls;
    }

    // The 1-minute load average (Linux), so a figure taken on a busy machine says so; "n/a" elsewhere.
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
