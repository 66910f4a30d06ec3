namespace PinSync.Testing.Engine;

/// <summary>Why the running operation asks for a decision.</summary>
internal enum ScheduleMode : byte
{
    /// <summary>A scheduling point: the operation can go on (choosing another one is a preemption).</summary>
    Continue,

    /// <summary>A spin iteration: the operation waits for someone else, so others are preferred.</summary>
    Yield,

    /// <summary>The operation parked.</summary>
    Blocked,

    /// <summary>The operation finished.</summary>
    Completed,
}
