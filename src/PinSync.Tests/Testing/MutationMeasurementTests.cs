using System.Globalization;
using System.Text;
using PinSync.Testing;
using PinSync.Tests.Testing.Mutants;
using Xunit.Abstractions;

namespace PinSync.Tests.Testing;

/// <summary>
/// Iterations-to-find of every mutant and classic user bug, per strategy, over ten seeds (median and max): the table
/// in docs/explorer.md ("Mutation suite"). Opt-in: PINSYNC_STRESS=1; set PINSYNC_MEASURE_OUT to a file path to get the
/// markdown table written there too.
/// </summary>
public sealed class MutationMeasurementTests(ITestOutputHelper output) : TestBase
{
    private const int Budget = 100_000;
    private const int Seeds = 10;

    [StressFact]
    [Trait("Category", "Stress")]
    public void Measure_AllMutantsAndUserBugs_IterationsToFindPerStrategy()
    {
        var strategies = new (string Name, Func<Strategy> Make)[]
        {
            ("random", Strategy.Random), ("pct(2)", () => Strategy.Pct(2)), ("pct(3)", () => Strategy.Pct(3)), ("dfs(2)", () => Strategy.Dfs(2)),
        };
        var ci = CultureInfo.InvariantCulture;
        var table = new StringBuilder()
            .AppendLine("| bug | kind | random | pct(2) | pct(3) | dfs(2) |")
            .AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var program in MutationPrograms.Mutants.Concat(MutationPrograms.UserBugs))
        {
            var cells = new List<string>();
            foreach (var (_, make) in strategies)
            {
                var found = new List<int>();
                var exhaustive = make().IsExhaustive;
                for (var seed = 1; seed <= (exhaustive ? 1 : Seeds); seed++)
                {
                    var report = Explorer.Run(program.Broken, new ExplorerOptions { Iterations = Budget, Strategy = make(), Seed = (ulong)seed });
                    Assert.True(!report.BugFound || report.Kind == program.Kind, report.ToString());
                    if (report.BugFound)
                    {
                        found.Add(report.Iterations);
                    }
                }

                found.Sort();
                var runs = exhaustive ? 1 : Seeds;
                cells.Add(found.Count == 0 ? $"not found in {Budget}"
                    : exhaustive ? found[0].ToString(ci)
                    : string.Create(ci, $"{found[found.Count / 2]} / {found[^1]}{(found.Count < runs ? $" ({found.Count}/{runs} found)" : string.Empty)}"));
            }

            table.AppendLine(string.Create(ci, $"| {program.Description} | {program.Kind} | {string.Join(" | ", cells)} |"));
        }

        output.WriteLine(table.ToString());
        if (Environment.GetEnvironmentVariable("PINSYNC_MEASURE_OUT") is { Length: > 0 } path)
        {
            File.WriteAllText(path, table.ToString());
        }
    }
}
