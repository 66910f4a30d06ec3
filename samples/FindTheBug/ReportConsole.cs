using PinSync.Testing;
using Spectre.Console;

namespace FindTheBug;

/// <summary>
/// The sample's output: a Spectre console that obeys <c>NO_COLOR</c> (no escape sequence at all, not even bold or
/// italic), <c>COLUMNS</c>, and a pipe (plain text); and the lines people copy — the trace and the replay
/// instruction — written straight to the output, never wrapped or decorated whatever the width.
/// </summary>
internal static class ReportConsole
{
    /// <summary>Creates the console for <paramref name="output"/>.</summary>
    /// <param name="output">Where everything goes (standard output).</param>
    /// <param name="redirected">Whether the output is piped or redirected to a file.</param>
    /// <param name="environment">Reads an environment variable (<c>NO_COLOR</c>, <c>COLUMNS</c>).</param>
    /// <returns>The console.</returns>
    internal static IAnsiConsole Create(TextWriter output, bool redirected, Func<string, string?> environment)
    {
        // https://no-color.org: any non-empty NO_COLOR turns every escape off. A pipe gets plain text too.
        var plain = redirected || !string.IsNullOrEmpty(environment("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(output),
        });
        if (int.TryParse(environment("COLUMNS"), out var columns) && columns > 0)
        {
            console.Profile.Width = columns;
        }

        return console;
    }

    /// <summary>Writes a failing report: kind, message, schedule, then the trace and how to replay it.</summary>
    /// <param name="console">The console for the decorated part.</param>
    /// <param name="output">The same output, for the lines that must stay whole.</param>
    /// <param name="report">A report with a bug.</param>
    internal static void WriteFailure(IAnsiConsole console, TextWriter output, ExplorerReport report)
    {
        console.MarkupLine($"[red]{report.Kind}[/] in iteration [bold]{report.FailingIteration}[/] after " +
            $"{report.Elapsed.TotalMilliseconds:F0} ms ({report.IterationsPerSecond:F0} iterations/s):");
        console.MarkupLine($"  [red]{Markup.Escape(report.Message ?? string.Empty)}[/]");
        console.Write(new Rule("Failing schedule").LeftJustified());
        WritePlain(output, report.ReadableTrace ?? string.Empty);

        // Copied by people: never through Spectre, so no wrapping at the console width and no escapes.
        output.WriteLine("Trace: " + report.Trace);
        output.WriteLine("Replay: Explorer.Replay(trace, body), or PINSYNC_REPLAY='<test>=<trace>' with [ExplorerFact]");
        output.Flush();
    }

    private static void WritePlain(TextWriter output, string text)
    {
        output.Write(text.ReplaceLineEndings(Environment.NewLine));
        if (!text.EndsWith('\n'))
        {
            output.WriteLine();
        }

        output.Flush();
    }
}
