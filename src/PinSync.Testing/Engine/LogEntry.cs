using PinSync.Scheduling;

namespace PinSync.Testing.Engine;

/// <summary>One event of a schedule; formatted only when a schedule is reported.</summary>
/// <param name="Event">What happened.</param>
/// <param name="Kind">For points: the scheduling-point kind.</param>
/// <param name="Operation">The operation that did it (0 for the scheduler itself).</param>
/// <param name="Other">The operation or timer it concerns, if any.</param>
/// <param name="Resource">The primitive involved, if any.</param>
/// <param name="Text">The operation name passed to the seam, or a timer's name.</param>
/// <param name="Ticks">The virtual time (or a deadline) in seam ticks.</param>
internal readonly record struct LogEntry(
    LogEvent Event, SchedulingPointKind Kind, int Operation, int Other, nint Resource, string? Text, long Ticks);
