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
            lines.Add(FormatEntry(entry, operations, names, startTicks));
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
            OperationKind.Spawn => operation + " (spawned)",
            OperationKind.Continuation when operation.Flow is { } flow => $"{operation} (continuation of {flow})",
            OperationKind.Continuation => operation + " (continuation)",
            OperationKind.WorkItem => $"{operation} (work item {operation.WorkItem?.GetType().Name})",
            _ => $"{operation} (timer {operation.Timer})",
        };

    private static string FormatEntry(in LogEntry e, IReadOnlyList<Operation> ops, ResourceNames names, long start)
    {
        var op = "op" + e.Operation.ToString(CultureInfo.InvariantCulture);
        var other = "op" + e.Other.ToString(CultureInfo.InvariantCulture);
        var target = $"{e.Text}({names[e.Resource]})";
        return e.Event switch
        {
            LogEvent.Point => $"{op} {e.Kind} {target}",
            LogEvent.Park => $"{op} blocks in {target}" + (e.Ticks == long.MaxValue ? string.Empty : " until " + FormatTime(e.Ticks - start)),
            LogEvent.Unpark => $"{op} unparks {other}",
            LogEvent.Permit => $"{op} unparks {other} (not parked yet: permit kept)",
            LogEvent.Spawn => $"{op} spawns {other}",
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
            _ => $"{op} finishes",
        };
    }
}
