namespace PinSync.Testing;

/// <summary>What kind of bug an <see cref="Explorer"/> run found.</summary>
public enum BugKind
{
    /// <summary>No bug: every iteration passed.</summary>
    None = 0,

    /// <summary>A call of <see cref="Explorer.Assert(bool, string)"/> with <see langword="false"/>.</summary>
    AssertionFailure = 1,

    /// <summary>An exception escaped the body, a spawned operation, a continuation, a work item or a timer.</summary>
    UnhandledException = 2,

    /// <summary>No operation could run, no timer was pending, and the body had not finished.</summary>
    Deadlock = 3,

    /// <summary>An iteration took more than <see cref="ExplorerOptions.MaxSteps"/> scheduling steps.</summary>
    Livelock = 4,

    /// <summary>The body finished while a spawned operation was still blocked or waiting.</summary>
    UnfinishedOperation = 5,

    /// <summary>The program used work the explorer does not control, and that (not a deadlock) is what the report is
    /// about: code of a controlled operation ran on, or was resumed from, a foreign thread (<c>Task.Run</c>, a raw
    /// <c>Thread</c>, a real timer, <c>ConfigureAwait(false)</c> onto the thread pool); a flow awaits such work at a
    /// standstill (<c>Task.Run</c>, <c>Task.Delay</c>, <c>SemaphoreSlim.WaitAsync</c>); or the running operation is
    /// blocked in a BCL wait (<c>lock</c>/<c>Monitor</c>, <c>SemaphoreSlim.Wait</c>, <c>Task.Wait</c>,
    /// <c>Thread.Join</c>, <c>Thread.Sleep</c>). The message names it and the controlled equivalent
    /// (<see cref="Explorer.Spawn(Func{Task})"/>, <see cref="Explorer.Delay(TimeSpan)"/>, PinSync primitives).</summary>
    UncontrolledConcurrency = 6,

    /// <summary>An operation ran for <see cref="ExplorerOptions.HangTimeout"/> of wall-clock time without reaching a
    /// scheduling point and without sitting in a wait (those are <see cref="UncontrolledConcurrency"/>): it looped
    /// without a scheduling point, or blocked in native code or real I/O.</summary>
    Hang = 7,

    /// <summary>A replayed trace did not match the program: the program is not deterministic under the explorer, or
    /// the trace belongs to another program.</summary>
    ReplayDivergence = 8,

    /// <summary>After an iteration (or the teardown of a failed one), a primitive it created was not whole: a broken
    /// wait list, a waiter still queued, a mutex still held, permits not conserved (<see cref="ExplorerOptions.CheckInvariants"/>).</summary>
    InvariantViolation = 9,
}
