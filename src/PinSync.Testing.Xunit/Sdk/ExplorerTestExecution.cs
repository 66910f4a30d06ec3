using System.Reflection;
using System.Text;

namespace PinSync.Testing.Xunit.Sdk;

/// <summary>
/// What an explorer test does, free of xunit's runner types (so it can be tested directly): explore or replay the
/// test method, and turn a bug into an exception whose message has the bug, the readable schedule, the trace and
/// the one-line replay instruction.
/// </summary>
internal static class ExplorerTestExecution
{
    /// <summary>The environment variable that replays a trace: <c>Test.Name=pinsync-trace/1;…</c> for one test
    /// (one entry per line for several), or a bare trace for every explorer test that runs.</summary>
    internal const string ReplayVariable = "PINSYNC_REPLAY";

    private const string TracePrefix = "pinsync-trace/";

    /// <summary>The trace <paramref name="variable"/> (the value of <see cref="ReplayVariable"/>) gives the test
    /// named <paramref name="testName"/>, or <see langword="null"/>.</summary>
    internal static string? FindReplay(string? variable, string testName)
    {
        if (string.IsNullOrWhiteSpace(variable))
        {
            return null;
        }

        foreach (var raw in variable.Split('\n'))
        {
            var entry = raw.Trim();
            if (entry.StartsWith(TracePrefix, StringComparison.Ordinal))
            {
                return entry;
            }

            var separator = entry.IndexOf("=" + TracePrefix, StringComparison.Ordinal);
            if (separator > 0 && entry[..separator].Trim() == testName)
            {
                return entry[(separator + 1)..];
            }
        }

        return null;
    }

    /// <summary>Runs <paramref name="body"/> as the test <paramref name="testName"/>: replays the attribute's trace or
    /// the environment's, else explores with <paramref name="settings"/>.</summary>
    /// <param name="settings">The attribute's settings.</param>
    /// <param name="testName">The test's display name (the key of a replay entry).</param>
    /// <param name="filterName">The fully qualified method name for <c>dotnet test --filter</c>.</param>
    /// <param name="body">One iteration of the test.</param>
    /// <param name="replayVariable">The value of <see cref="ReplayVariable"/>.</param>
    /// <returns>The report of a run without bugs.</returns>
    /// <exception cref="ExplorerAssertException">The run found a bug (or the replay reproduced one).</exception>
    internal static ExplorerReport Execute(ExplorerSettings settings, string testName, string filterName, Func<Task> body, string? replayVariable)
    {
        var trace = settings.Trace ?? FindReplay(replayVariable, testName);
        var report = trace is null ? Explorer.Run(body, settings.ToOptions()) : Explorer.Replay(trace, body);
        if (report.BugFound)
        {
            throw new ExplorerAssertException(FormatFailure(report, testName, filterName, replayedFrom: trace is null ? null :
                settings.Trace is null ? ReplayVariable : "the attribute's Trace"), report);
        }

        return report;
    }

    /// <summary>The failure message: the report (bug, schedule, trace), then how to replay it, on one line.</summary>
    internal static string FormatFailure(ExplorerReport report, string testName, string filterName, string? replayedFrom)
    {
        var builder = new StringBuilder();
        if (replayedFrom is not null)
        {
            builder.Append("Replayed from ").Append(replayedFrom).Append(": ");
        }

        builder.Append(report).AppendLine().AppendLine()
            .Append("Replay this schedule: ")
            .Append(ReplayVariable).Append("='").Append(testName).Append('=').Append(report.Trace).Append("' ")
            .Append("dotnet test --filter \"FullyQualifiedName=").Append(filterName).Append('"')
            .AppendLine()
            .Append("  or in code: [ExplorerFact(Trace = \"").Append(report.Trace).Append("\")]");
        return builder.ToString();
    }

    /// <summary>One iteration of a test method: invokes it on <paramref name="instance"/> and adapts what it
    /// returns (exceptions are not wrapped in <see cref="TargetInvocationException"/>).</summary>
    internal static Func<Task> Body(MethodInfo method, object? instance, object?[]? arguments) => () =>
    {
        var result = method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
        return result switch
        {
            Task task => task,
            ValueTask valueTask => valueTask.AsTask(),
            _ => Task.CompletedTask,
        };
    };
}
