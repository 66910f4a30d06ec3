using FindTheBug;
using PinSync.Testing;
using Spectre.Console;

namespace PinSync.Tests.Testing;

/// <summary>What people read and copy: the failing schedule names who failed where, in order; the FindTheBug
/// sample's trace line is whole and free of escapes when piped, with NO_COLOR, and whatever COLUMNS says.</summary>
public sealed class ReportFormattingTests : TestBase
{
    private static readonly ExplorerOptions s_options = new() { Iterations = 10_000, Strategy = Strategy.Pct(3), Seed = 2024 };

    [Fact]
    public void FailingSchedule_EndsWithTheFailureOfTheFlowThatFailed_AndNeverSaysItFinished()
    {
        var report = Explorer.Run(CheckThenAct, s_options);
        Assert.Equal(BugKind.AssertionFailure, report.Kind);

        var lines = report.ReadableTrace!.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var last = lines[^1];
        Assert.Contains("✗ op1 (body) fails Explorer.Assert: overdraft", last, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("op1 (body) finishes", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.EndsWith(" op1 finishes", StringComparison.Ordinal));

        // The spawns are named where they start and where they finish, and both finish before the failure.
        Assert.Contains(lines, l => l.Contains("op1 spawns op2 'withdraw A'", StringComparison.Ordinal));
        var finishes = lines.Select((l, i) => (l, i)).Where(x => x.l.Contains("' finishes", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, finishes.Length);
        Assert.All(finishes, f => Assert.True(f.i < lines.Length - 1));

        // The message leads with the failing flow and explains where its code ran, instead of "…, running in op2".
        Assert.StartsWith("Assertion failed in op1 (body): overdraft: the balance is -60", report.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("running in", report.Message, StringComparison.Ordinal);
        if (last.Contains("(in op", StringComparison.Ordinal))
        {
            Assert.Contains("inline in op", report.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AssertionInASpawnedFlow_IsNamedByItsSpawnName()
    {
        var report = Explorer.Run(async () =>
        {
            var flag = 0;
            await Task.WhenAll(Explorer.Spawn("reader", () => Explorer.Assert(Volatile.Read(ref flag) == 0, "flag already set")),
                Explorer.Spawn("writer", () => Volatile.Write(ref flag, 1)));
        }, new ExplorerOptions { Iterations = 500, Strategy = Strategy.Random(), Seed = 4 });

        Assert.Equal("Assertion failed in op2 'reader': flag already set", report.Message);
        Assert.EndsWith("✗ op2 'reader' fails Explorer.Assert: flag already set", report.ReadableTrace!.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, null, null)]          // piped
    [InlineData(true, "1", "200")]         // the case: piped, NO_COLOR=1, COLUMNS=200
    [InlineData(false, "1", "40")]         // a terminal with NO_COLOR and a narrow width
    [InlineData(true, null, "20")]
    public void SampleOutput_TraceLineIsWholeAndNothingIsEscaped(bool redirected, string? noColor, string? columns)
    {
        var report = Explorer.Run(CheckThenAct, s_options);
        Assert.True(report.BugFound);
        var environment = new Dictionary<string, string?> { ["NO_COLOR"] = noColor, ["COLUMNS"] = columns };

        using var output = new StringWriter();
        var console = ReportConsole.Create(output, redirected, name => environment.GetValueOrDefault(name));
        console.MarkupLine("[bold]bold[/] and [italic]italic[/] and [red]red[/]");
        ReportConsole.WriteFailure(console, output, report);
        var text = output.ToString();

        Assert.DoesNotContain('\u001b', text);
        Assert.Contains("bold and italic", text, StringComparison.Ordinal); // the words stay, the escapes go
        var traceLines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("Trace: ", StringComparison.Ordinal)).ToArray();
        var traceLine = Assert.Single(traceLines);
        Assert.Equal("Trace: " + report.Trace, traceLine);
        Assert.Equal(report.Kind, Explorer.Replay(traceLine["Trace: ".Length..], CheckThenAct).Kind);
        Assert.Contains(report.ReadableTrace!.Split('\n')[0].TrimEnd('\r'), text, StringComparison.Ordinal); // the schedule is there, unwrapped
    }

    /// <summary>The FindTheBug program: check and debit in two lock sections.</summary>
    private static async Task CheckThenAct()
    {
        using var account = new PinnedMutex<int>(100);
        void Withdraw(int amount)
        {
            bool enough;
            using (var guard = account.Lock())
            {
                enough = guard.Value >= amount;
            }

            if (enough)
            {
                using var guard = account.Lock();
                guard.Value -= amount;
            }
        }

        await Task.WhenAll(Explorer.Spawn("withdraw A", () => Withdraw(80)), Explorer.Spawn("withdraw B", () => Withdraw(80)));
        using var final = await account.LockAsync();
        Explorer.Assert(final.Value >= 0, $"overdraft: the balance is {final.Value}");
    }
}
