using System.Globalization;
using System.Text;

namespace PinSync.Testing.Engine;

/// <summary>
/// The events of the current iteration, recorded as plain structs (cheap enough for every iteration) and formatted
/// into the readable trace only when an iteration fails.
/// </summary>
internal sealed class ScheduleLog
{
    /// <summary>Entries kept per iteration; a longer iteration (a livelock) keeps its beginning and notes the cut.</summary>
    internal const int Capacity = 200_000;

    private const int HeadLines = 150;
    private const int TailLines = 350;

    private readonly List<LogEntry> _entries = new(256);
    private int _dropped;

    /// <summary>The entries of the iteration.</summary>
    internal IReadOnlyList<LogEntry> Entries => _entries;

    internal void Add(in LogEntry entry)
    {
        if (_entries.Count < Capacity)
        {
            _entries.Add(entry);
        }
        else
        {
            _dropped++;
        }
    }

    internal void Clear()
    {
        _entries.Clear();
        _dropped = 0;
    }

    /// <summary>Formats the schedule, one event per line; long schedules keep their head and tail.</summary>
    internal string Format(IReadOnlyList<Operation> operations, ResourceNames names, long startTicks)
    {
        var lines = new List<string>(_entries.Count);
        foreach (var entry in _entries)
        {
            if (FormatEntry(entry, operations, names, startTicks) is { } line)
            {
                lines.Add(line);
            }
        }

        var builder = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines.Count > HeadLines + TailLines && i == HeadLines)
            {
                builder.Append(CultureInfo.InvariantCulture, $"        … {lines.Count - HeadLines - TailLines} events left out …").AppendLine();
                i = lines.Count - TailLines;
            }

            builder.Append(CultureInfo.InvariantCulture, $"{i + 1,6}  ").AppendLine(lines[i]);
        }

        if (_dropped > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"        … and {_dropped} more events not recorded").AppendLine();
        }

        return builder.ToString();
    }

    internal static string FormatTime(long ticks) =>
        ticks switch
        {
            0 => "+0",
            < TimeSpan.TicksPerMillisecond => "+" + (ticks / 10).ToString(CultureInfo.InvariantCulture) + "µs",
            < TimeSpan.TicksPerSecond => "+" + (ticks / (double)TimeSpan.TicksPerMillisecond).ToString("0.###", CultureInfo.InvariantCulture) + "ms",
            _ => "+" + TimeSpan.FromTicks(ticks).ToString("c", CultureInfo.InvariantCulture),
        };

    /// <summary>Describes an operation for a switch line: what it is and where it came from.</summary>
    internal static string Describe(Operation operation) =>
        operation.Kind switch
        {
            OperationKind.Body => operation + " (body)",
            OperationKind.Spawn when operation.Flow?.Name is { } name => $"{operation} (spawned '{name}')",
            OperationKind.Spawn => operation + " (spawned)",
            OperationKind.Continuation when operation.Flow is { } flow => $"{operation} (continuation of {flow.ShortLabel})",
            OperationKind.Continuation => operation + " (continuation)",
            OperationKind.WorkItem => $"{operation} (work item {operation.WorkItem?.GetType().Name})",
            _ => $"{operation} (timer {operation.Timer})",
        };

    /// <summary>The label of flow <paramref name="id"/> (the flow of the body or spawn operation with that id).</summary>
    private static string FlowLabel(IReadOnlyList<Operation> ops, int id, bool full) =>
        id - 1 < ops.Count && id > 0 && ops[id - 1].Flow is { } flow
            ? (full ? flow.Label : flow.ShortLabel)
            : "op" + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>" (op1's code, inline in op2)" for an event of a flow run inline by another operation.</summary>
    private static string Inline(IReadOnlyList<Operation> ops, in LogEntry e) =>
        e.Other == 0 ? string.Empty : $" ({FlowLabel(ops, e.Other, full: false)}'s code, inline in op{e.Operation.ToString(CultureInfo.InvariantCulture)})";

    private static string? FormatFinish(in LogEntry e, IReadOnlyList<Operation> ops, string op)
    {
        if (e.Other == e.Operation)
        {
            return $"{FlowLabel(ops, e.Other, full: true)} waits at an await (its operation ends; a continuation resumes it)";
        }

        if (e.Other != 0)
        {
            return $"{op} ends; {FlowLabel(ops, e.Other, full: false)} waits at an await again";
        }

        // A flow that finished in this operation already has its "finishes" line.
        var operation = e.Operation - 1 < ops.Count && e.Operation > 0 ? ops[e.Operation - 1] : null;
        return operation?.Flow is not null ? null : $"{op} ends";
    }

    private static string? FormatEntry(in LogEntry e, IReadOnlyList<Operation> ops, ResourceNames names, long start)
    {
        var op = "op" + e.Operation.ToString(CultureInfo.InvariantCulture);
        var other = "op" + e.Other.ToString(CultureInfo.InvariantCulture);
        var target = $"{e.Text}({names[e.Resource]})";
        var who = e.Event is LogEvent.Point or LogEvent.Park && e.Other != 0 ? FlowLabel(ops, e.Other, full: false) : op;
        var elsewhere = e.Other != 0 && e.Other != e.Operation && e.Operation != 0 ? $" (in {op})" : string.Empty;
        return e.Event switch
        {
            LogEvent.Point => $"{who} {e.Kind} {target}{Inline(ops, e)}",
            LogEvent.Park => $"{who} blocks in {target}" + (e.Ticks == long.MaxValue ? string.Empty : " until " + FormatTime(e.Ticks - start)) + Inline(ops, e),
            LogEvent.Fail => $"✗ {(e.Other == 0 ? FailedOperation(ops, e.Operation) : FlowLabel(ops, e.Other, full: true))} {e.Text}{elsewhere}",
            LogEvent.FlowDone => $"{FlowLabel(ops, e.Other, full: true)} finishes{elsewhere}",
            LogEvent.Finish => FormatFinish(e, ops, op),
            LogEvent.Unpark => $"{op} unparks {other}",
            LogEvent.Permit => $"{op} unparks {other} (not parked yet: permit kept)",
            LogEvent.Spawn => $"{op} spawns {FlowLabel(ops, e.Other, full: false)}",
            LogEvent.Post => $"{op} posts continuation {other}",
            LogEvent.Queue => $"{op} queues work item {other} ({e.Text})",
            LogEvent.Arm => $"{op} arms timer T{e.Other} ({e.Text}) due {FormatTime(e.Ticks - start)}",
            LogEvent.Disarm => $"{op} cancels timer T{e.Other} ({e.Text})",
            LogEvent.Fire => $"timer {e.Text} fires at {FormatTime(e.Ticks - start)} as {other}",
            LogEvent.ParkTimeout => $"{other} times out in {target} at {FormatTime(e.Ticks - start)}",
            LogEvent.Clock => $"nothing can run: virtual clock advances to {FormatTime(e.Ticks - start)}",
            LogEvent.InjectInterrupt => $"{op} injects ThreadInterruptedException into {other}, parked in {target}",
            LogEvent.InjectException => $"{op} injects InjectedFaultException into {other}, parked in {target}",
            LogEvent.CutShort => $"{other} is cut short by the injected {e.Text}",
            LogEvent.Switch => "── " + (e.Other - 1 < ops.Count ? Describe(ops[e.Other - 1]) : other) + " runs",
            _ => $"{op} ends",
        };
    }

    private static string FailedOperation(IReadOnlyList<Operation> ops, int id) =>
        id - 1 < ops.Count && id > 0 ? Describe(ops[id - 1]) : "op" + id.ToString(CultureInfo.InvariantCulture);
}
