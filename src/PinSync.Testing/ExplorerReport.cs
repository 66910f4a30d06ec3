using System.Globalization;
using System.Text;

namespace PinSync.Testing;

/// <summary>The outcome of an <see cref="Explorer"/> run: whether a bug was found, how to replay it, and how much
/// was explored.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed class ExplorerReport
{
    internal ExplorerReport()
    {
    }

    /// <summary>Whether the run found a bug.</summary>
    public bool BugFound => Kind != BugKind.None;

    /// <summary>The kind of bug, or <see cref="BugKind.None"/>.</summary>
    public BugKind Kind { get; internal init; }

    /// <summary>What went wrong, or <see langword="null"/> when no bug was found.</summary>
    public string? Message { get; internal init; }

    /// <summary>The exception behind an <see cref="BugKind.UnhandledException"/>, if any.</summary>
    public Exception? Exception { get; internal init; }

    /// <summary>The replayable trace of the failing iteration (pass it to
    /// <see cref="Explorer.Replay(string, Func{Task})"/>), or <see langword="null"/> when no bug was found.</summary>
    public string? Trace { get; internal init; }

    /// <summary>A readable log of the failing schedule, one event per line (<c>op3 Acquire LockAsync(mutex#1)</c>), or
    /// <see langword="null"/> when no bug was found.</summary>
    public string? ReadableTrace { get; internal init; }

    /// <summary>The number of iterations run (including a failing one).</summary>
    public int Iterations { get; internal init; }

    /// <summary>The 0-based index of the failing iteration, or <see langword="null"/>.</summary>
    public int? FailingIteration { get; internal init; }

    /// <summary>The base seed of the run.</summary>
    public ulong Seed { get; internal init; }

    /// <summary>The strategy, as text (<c>pct(3)</c>, <c>random</c>, <c>dfs(2)</c>, <c>replay of …</c>).</summary>
    public string Strategy { get; internal init; } = string.Empty;

    /// <summary>For an exhaustive strategy: whether the whole bounded schedule space was explored (no bug, and the
    /// iteration limit and time budget were not reached first).</summary>
    public bool SpaceCovered { get; internal init; }

    /// <summary>For an exhaustive strategy: the number of complete schedules explored; equal to the size of the
    /// bounded space when <see cref="SpaceCovered"/> is <see langword="true"/>.</summary>
    public long SchedulesExplored { get; internal init; }

    /// <summary>The largest number of scheduling steps an iteration took.</summary>
    public int MaxStepsObserved { get; internal init; }

    /// <summary>The virtual time that passed in the last iteration run (the failing one, if any).</summary>
    public TimeSpan VirtualTimeElapsed { get; internal init; }

    /// <summary>The wall-clock duration of the run.</summary>
    public TimeSpan Elapsed { get; internal init; }

    /// <summary>Iterations per wall-clock second.</summary>
    public double IterationsPerSecond => Elapsed > TimeSpan.Zero ? Iterations / Elapsed.TotalSeconds : 0;

    /// <summary>A summary; for a bug, also the readable trace and the replay string.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        if (!BugFound)
        {
            builder.Append(ci, $"No bug found in {Iterations} iterations ({Strategy}, seed 0x{Seed:x16}, {IterationsPerSecond:F0}/s)");
            if (SchedulesExplored > 0)
            {
                builder.Append(ci, $"; {SchedulesExplored} schedules, space {(SpaceCovered ? "covered" : "not covered")}");
            }

            return builder.Append('.').ToString();
        }

        builder.Append(ci, $"{Kind} in iteration {FailingIteration} of {Iterations} ({Strategy}, seed 0x{Seed:x16}): {Message}")
            .AppendLine().AppendLine().AppendLine("Failing schedule:").Append(ReadableTrace)
            .AppendLine().Append("Replay with Explorer.Replay(trace, body), trace: ").Append(Trace);
        return builder.ToString();
    }
}
