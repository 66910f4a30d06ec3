using FindTheBug;
using PinSync;
using PinSync.Testing;
using Spectre.Console;

// FindTheBug: a bank account guarded by a PinnedMutex, with a check-then-act bug: Withdraw checks the balance in
// one lock section and debits it in another. Two concurrent withdrawals can both pass the check and overdraw.
// The explorer finds the interleaving, prints it, and replays it to show that it reproduces.
// Output: NO_COLOR=1 or a pipe give plain text; COLUMNS sets the width; the trace line is never wrapped.

var console = ReportConsole.Create(Console.Out, Console.IsOutputRedirected, Environment.GetEnvironmentVariable);

console.Write(new Rule("[yellow]PinSync explorer: find the bug[/]"));
console.MarkupLine("Two withdrawals of [bold]80[/] from a balance of [bold]100[/], each [italic]checking[/] and [italic]debiting[/] in separate lock sections.");

var options = new ExplorerOptions { Iterations = 10_000, Strategy = Strategy.Pct(depth: 3), Seed = 2024 };
ExplorerReport report = null!;
console.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .Start(context =>
    {
        var task = context.AddTask($"Exploring with {options.Strategy}", maxValue: options.Iterations);
        report = Explorer.Run(Bank.BuggyWithdrawals, new ExplorerOptions
        {
            Iterations = options.Iterations, Strategy = options.Strategy, Seed = options.Seed, Progress = new SyncProgress(task),
        });
        task.Value = task.MaxValue;
    });

if (!report.BugFound)
{
    console.MarkupLine($"[green]No bug found[/] in {report.Iterations} iterations.");
    return 1;
}

ReportConsole.WriteFailure(console, Console.Out, report);

console.Write(new Rule("[yellow]Replay[/]"));
var replay = Explorer.Replay(report.Trace!, Bank.BuggyWithdrawals);
var same = replay.Kind == report.Kind && replay.Message == report.Message && replay.ReadableTrace == report.ReadableTrace;
console.MarkupLine(same
    ? $"[green]Reproduced[/]: the replay fails the same way, step for step ({Markup.Escape(replay.Message ?? string.Empty)})."
    : $"[red]Did not reproduce[/]: {Markup.Escape(replay.ToString())}");

console.Write(new Rule("[yellow]The fix[/]"));
var fixedReport = Explorer.Run(Bank.FixedWithdrawals, options);
console.MarkupLine(fixedReport.BugFound
    ? $"[red]The fixed version still fails[/]: {Markup.Escape(fixedReport.Message ?? string.Empty)}"
    : $"[green]Check and debit in one lock section: no bug[/] in {fixedReport.Iterations} iterations ({fixedReport.IterationsPerSecond:F0}/s).");
return same && !fixedReport.BugFound ? 0 : 1;

/// <summary>The program under test.</summary>
internal static class Bank
{
    public static async Task BuggyWithdrawals()
    {
        using var account = new PinnedMutex<int>(100);
        void Withdraw(int amount)
        {
            bool enough;
            using (var guard = account.Lock())
            {
                enough = guard.Value >= amount;   // check…
            }

            if (enough)
            {
                using var guard = account.Lock();
                guard.Value -= amount;            // …then act, in another section: the bug
            }
        }

        await Task.WhenAll(Explorer.Spawn("withdraw A", () => Withdraw(80)), Explorer.Spawn("withdraw B", () => Withdraw(80)));
        using var final = await account.LockAsync();
        Explorer.Assert(final.Value >= 0, $"overdraft: the balance is {final.Value}");
    }

    public static async Task FixedWithdrawals()
    {
        using var account = new PinnedMutex<int>(100);
        async Task Withdraw(int amount)
        {
            using var guard = await account.LockAsync();
            if (guard.Value >= amount)
            {
                guard.Value -= amount;
            }
        }

        await Task.WhenAll(Explorer.Spawn(() => Withdraw(80)), Explorer.Spawn(() => Withdraw(80)));
        using var final = await account.LockAsync();
        Explorer.Assert(final.Value >= 0, $"overdraft: the balance is {final.Value}");
    }
}

/// <summary>Reports progress synchronously on the explorer's driver thread (the Progress class would post).</summary>
internal sealed class SyncProgress(ProgressTask task) : IProgress<int>
{
    public void Report(int value) => task.Value = value;
}
