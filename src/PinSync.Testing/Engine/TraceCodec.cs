using System.Globalization;
using System.Text;

namespace PinSync.Testing.Engine;

/// <summary>
/// The replayable trace string: <c>pinsync-trace/1;strategy=pct(3);seed=0x…;iteration=57;maxsteps=10000;schedule=…</c>.
/// </summary>
/// <remarks>
/// Implementation notes. Only decisions with two or more candidates are recorded (a step with one candidate is
/// forced, so a replay reaches it by itself). Each decision is the chosen candidate: an operation id 1–35 is one
/// character of <c>[1-9a-z]</c>, a larger id is written <c>(id)</c>, <c>!</c> stands for "the earliest pending
/// timeout fires now", and <c>~</c> before an id for "inject a fault into that parked operation"
/// (<see cref="ExplorerOptions.Faults"/>). The strategy, seed and iteration are informational (a replay needs only the schedule and the
/// step limit); they let a reader rerun the original exploration.
/// </remarks>
internal static class TraceCodec
{
    internal const string Version = "pinsync-trace/1";

    private const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";

    internal static string Encode(string strategy, ulong seed, int iteration, int maxSteps, ReadOnlySpan<int> decisions,
        FaultInjection faults = FaultInjection.None, int maxFaults = 1, bool checkInvariants = false)
    {
        var builder = new StringBuilder(64 + decisions.Length);
        builder.Append(Version)
            .Append(";strategy=").Append(strategy)
            .Append(";seed=0x").Append(seed.ToString("x16", CultureInfo.InvariantCulture))
            .Append(";iteration=").Append(iteration.ToString(CultureInfo.InvariantCulture))
            .Append(";maxsteps=").Append(maxSteps.ToString(CultureInfo.InvariantCulture));

        // Only when on, so that traces of runs without them stay as they were. A replay needs both: the fault
        // candidates are part of every decision, and the checks decide whether the run fails.
        if (faults != FaultInjection.None)
        {
            builder.Append(";faults=").Append(faults == FaultInjection.Interrupt ? "interrupt" : "exception")
                .Append(";maxfaults=").Append(maxFaults.ToString(CultureInfo.InvariantCulture));
        }

        if (checkInvariants)
        {
            builder.Append(";invariants=1");
        }

        builder.Append(";schedule=");
        foreach (var decision in decisions)
        {
            if (decision == Decision.TimerCandidate)
            {
                builder.Append('!');
            }
            else if (decision < 0)
            {
                // A fault injected into operation -decision: '~' and its id.
                builder.Append('~');
                AppendId(builder, -decision);
            }
            else
            {
                AppendId(builder, decision);
            }
        }

        return builder.ToString();
    }

    private static void AppendId(StringBuilder builder, int id)
    {
        if (id < Digits.Length)
        {
            builder.Append(Digits[id]);
        }
        else
        {
            builder.Append('(').Append(id.ToString(CultureInfo.InvariantCulture)).Append(')');
        }
    }

    /// <summary>Parses a trace; throws <see cref="FormatException"/> naming what is wrong.</summary>
    internal static DecodedTrace Decode(string trace)
    {
        var parts = trace.Trim().Split(';');
        if (parts.Length == 0 || parts[0] != Version)
        {
            throw new FormatException($"Not a PinSync explorer trace (expected it to start with '{Version};'): '{Shorten(trace)}'.");
        }

        string? schedule = null;
        var maxSteps = ExplorerOptions.DefaultMaxSteps;
        var strategy = "?";
        var faults = FaultInjection.None;
        var maxFaults = 1;
        var invariants = false;
        foreach (var part in parts.AsSpan(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"Malformed trace field '{part}'.");
            }

            var key = part[..equals];
            var value = part[(equals + 1)..];
            switch (key)
            {
                case "schedule":
                    schedule = value;
                    break;
                case "maxsteps":
                    maxSteps = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "strategy":
                    strategy = value;
                    break;
                case "faults":
                    faults = value switch
                    {
                        "interrupt" => FaultInjection.Interrupt,
                        "exception" => FaultInjection.Exception,
                        _ => throw new FormatException($"Unknown fault kind '{value}' (expected interrupt or exception)."),
                    };
                    break;
                case "maxfaults":
                    maxFaults = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "invariants":
                    invariants = value == "1";
                    break;
                default:
                    break;
            }
        }

        if (schedule is null)
        {
            throw new FormatException("The trace has no 'schedule=' field.");
        }

        if (maxFaults <= 0)
        {
            throw new FormatException("The trace's 'maxfaults=' must be positive.");
        }

        return new DecodedTrace(ParseSchedule(schedule), maxSteps, strategy, faults, maxFaults, invariants);
    }

    internal static string DescribeCandidate(int candidate) =>
        candidate == Decision.TimerCandidate ? "fire-timer"
        : candidate < 0 ? "fault-op" + (-candidate).ToString(CultureInfo.InvariantCulture)
        : "op" + candidate.ToString(CultureInfo.InvariantCulture);

    internal static string DescribeCandidates(ReadOnlySpan<int> candidates)
    {
        var builder = new StringBuilder("[");
        for (var i = 0; i < candidates.Length; i++)
        {
            builder.Append(i == 0 ? string.Empty : ", ").Append(DescribeCandidate(candidates[i]));
        }

        return builder.Append(']').ToString();
    }

    private static int[] ParseSchedule(string schedule)
    {
        var decisions = new List<int>(schedule.Length);
        var sign = 1;
        for (var i = 0; i < schedule.Length; i++)
        {
            var c = schedule[i];
            if (c == '~')
            {
                if (sign < 0 || i + 1 == schedule.Length)
                {
                    throw new FormatException($"A '~' (fault) must be followed by an operation id, at schedule position {i}.");
                }

                sign = -1;
                continue;
            }

            if (c == '!')
            {
                if (sign < 0)
                {
                    throw new FormatException($"A '~' (fault) must be followed by an operation id, not '!', at schedule position {i}.");
                }

                decisions.Add(Decision.TimerCandidate);
            }
            else if (c == '(')
            {
                var close = schedule.IndexOf(')', i);
                if (close < 0)
                {
                    throw new FormatException($"Unclosed '(' at schedule position {i}.");
                }

                decisions.Add(sign * int.Parse(schedule.AsSpan(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture));
                i = close;
            }
            else
            {
                var value = Digits.IndexOf(c, StringComparison.Ordinal);
                if (value <= 0)
                {
                    throw new FormatException($"Unexpected character '{c}' at schedule position {i}.");
                }

                decisions.Add(sign * value);
            }

            sign = 1;
        }

        return [.. decisions];
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>A parsed trace: the decisions, and the options a replay must run with to see the same candidates.</summary>
internal readonly record struct DecodedTrace(
    int[] Decisions, int MaxSteps, string Strategy, FaultInjection Faults, int MaxFaults, bool CheckInvariants);
