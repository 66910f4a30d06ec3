namespace PinSync.Testing.Engine;

/// <summary>The kinds of entries in a <see cref="ScheduleLog"/>.</summary>
internal enum LogEvent : byte
{
    /// <summary>A scheduling point of an operation (kind, resource, operation name).</summary>
    Point,

    /// <summary>An operation blocks in a park (resource, operation name, deadline).</summary>
    Park,

    /// <summary>An operation unparks another one (<see cref="LogEntry.Other"/>).</summary>
    Unpark,

    /// <summary>An unpark arrived before the park: a permit is left.</summary>
    Permit,

    /// <summary>An operation spawns another one.</summary>
    Spawn,

    /// <summary>A continuation is posted as a new operation.</summary>
    Post,

    /// <summary>A work item is queued as a new operation.</summary>
    Queue,

    /// <summary>A timer is armed.</summary>
    Arm,

    /// <summary>A timer is cancelled before it fired.</summary>
    Disarm,

    /// <summary>A timer fires as a new operation.</summary>
    Fire,

    /// <summary>A park times out.</summary>
    ParkTimeout,

    /// <summary>The virtual clock advances because nothing else can run.</summary>
    Clock,

    /// <summary>Another operation gets the baton.</summary>
    Switch,

    /// <summary>An operation ends (<see cref="LogEntry.Other"/>: the flow it leaves suspended at an await, or 0).</summary>
    Finish,

    /// <summary>The schedule injects a <see cref="ThreadInterruptedException"/> into a parked operation
    /// (<see cref="LogEntry.Other"/>).</summary>
    InjectInterrupt,

    /// <summary>The schedule injects an <see cref="InjectedFaultException"/> into a parked operation
    /// (<see cref="LogEntry.Other"/>).</summary>
    InjectException,

    /// <summary>A flow ended by an injected fault that escaped it (cut short, not a bug).</summary>
    CutShort,

    /// <summary>A flow (<see cref="LogEntry.Other"/>) fails: an assertion or an exception (<see cref="LogEntry.Text"/>),
    /// in the operation <see cref="LogEntry.Operation"/>.</summary>
    Fail,

    /// <summary>A flow's function has finished (<see cref="LogEntry.Other"/>), in the operation
    /// <see cref="LogEntry.Operation"/>.</summary>
    FlowDone,
}
