using System.Diagnostics;
using System.Globalization;
using System.Text;
using PinSync.Testing;
using Xunit.Abstractions;

namespace PinSync.Coyote.Tests;

/// <summary>
/// The head-to-head bench (opt-in: <c>PINSYNC_HEAD2HEAD=1</c>): the same bug programs and correct twins under the
/// explorer (random, PCT) and under Coyote + PinSync.Coyote in strict mode (random, PCT, fair-PCT). Per engine and
/// strategy: how many of 5 far-apart seeds found the bug, the median iterations to the first bug, iterations per
/// second, and how many found traces replayed. Writes a markdown table to the test output and to
/// <c>PINSYNC_HEAD2HEAD_OUT</c> when set.
/// </summary>
public sealed class HeadToHead(ITestOutputHelper output)
{
    private const int Budget = 1_000;
    private const int TwinIterations = 1_000;

    // Far apart: consecutive Coyote seeds are the same random sequence shifted by one iteration.
    private static readonly uint[] s_seeds = [11u, 0x2545F491u, 0x6C8E9CF5u, 0x9E3779B9u, 0xD1B54A33u];

    private static readonly string[] s_engines = ["explorer random", "explorer pct", "coyote random", "coyote pct", "coyote fair-pct"];

    [Fact]
    public void Run()
    {
        if (Environment.GetEnvironmentVariable("PINSYNC_HEAD2HEAD") != "1")
        {
            output.WriteLine("Skipped: set PINSYNC_HEAD2HEAD=1 to run the head-to-head bench.");
            return;
        }

        var table = new StringBuilder();
        table.AppendLine("| program | engine | found (of 5 seeds) | median iterations to first bug | iterations/s | replays |");
        table.AppendLine("|---|---|---|---|---|---|");
        foreach (var program in Programs.Bugs)
        {
            foreach (var engine in s_engines)
            {
                var iterations = new List<int>();
                var replays = 0;
                long totalIterations = 0;
                var elapsed = TimeSpan.Zero;
                foreach (var seed in s_seeds)
                {
                    var run = RunOnce(program, engine, seed, Budget, replay: true);
                    totalIterations += run.Iterations;
                    elapsed += run.Elapsed;
                    if (run.Found)
                    {
                        iterations.Add(run.Iterations);
                        replays += run.Replayed ? 1 : 0;
                    }
                }

                iterations.Sort();
                var median = iterations.Count == 0 ? "–" : iterations[iterations.Count / 2].ToString(CultureInfo.InvariantCulture);
                table.AppendLine(CultureInfo.InvariantCulture, $"| {program.Name} | {engine} | {iterations.Count}/5 | {median} | {Rate(totalIterations, elapsed)} | {replays}/{iterations.Count} |");
            }
        }

        table.AppendLine();
        table.AppendLine(CultureInfo.InvariantCulture, $"| correct twin | engine | false reports in {TwinIterations} iterations | iterations/s |");
        table.AppendLine("|---|---|---|---|");
        foreach (var program in Programs.Correct)
        {
            foreach (var engine in s_engines)
            {
                var run = RunOnce(program, engine, s_seeds[0], TwinIterations, replay: false);
                table.AppendLine(CultureInfo.InvariantCulture, $"| {program.Name} | {engine} | {(run.Found ? "1: " + run.Message : "0")} | {Rate(run.Iterations, run.Elapsed)} |");
            }
        }

        output.WriteLine(table.ToString());
        if (Environment.GetEnvironmentVariable("PINSYNC_HEAD2HEAD_OUT") is { Length: > 0 } path)
        {
            File.WriteAllText(path, table.ToString());
        }
    }

    private static string Rate(long iterations, TimeSpan elapsed) =>
        elapsed > TimeSpan.Zero ? (iterations / elapsed.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture) : "–";

    private static Outcome RunOnce(Programs.Program program, string engine, uint seed, int budget, bool replay)
    {
        if (engine.StartsWith("explorer", StringComparison.Ordinal))
        {
            PinSyncCoyote.Uninstall();
            var body = program.Body(Host.Explorer);
            var options = new ExplorerOptions
            {
                Iterations = budget,
                Seed = seed,
                Strategy = engine.EndsWith("pct", StringComparison.Ordinal) ? Strategy.Pct(3) : Strategy.Random(),
            };
            var report = Explorer.Run(body, options);
            var replayed = report.BugFound && replay && report.Trace is { } trace && Explorer.Replay(trace, body).BugFound;
            // FailingIteration is 0-based; Coyote counts the failing iteration as explored (1-based).
            return new Outcome(report.BugFound, report.FailingIteration + 1 ?? report.Iterations, report.Elapsed, replayed, report.Message);
        }

        var strategy = engine["coyote ".Length..];
        var coyoteBody = program.Body(Host.Coyote);
        var stopwatch = Stopwatch.StartNew();
        var result = PinSyncCoyote.Test(coyoteBody, Strategies.Strict(strategy, (uint)budget, seed));
        stopwatch.Stop();
        var coyoteReplayed = result.BugFound && replay
            && PinSyncCoyote.Test(coyoteBody, Strategies.Strict(strategy, 1, seed).WithReproducibleTrace(result.ReproducibleTrace)).BugFound;
        return new Outcome(result.BugFound, result.Iterations, stopwatch.Elapsed, coyoteReplayed, result.FirstBug);
    }

    private readonly record struct Outcome(bool Found, int Iterations, TimeSpan Elapsed, bool Replayed, string? Message);
}
