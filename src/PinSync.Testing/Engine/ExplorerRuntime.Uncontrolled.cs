using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PinSync.Testing.Engine;

/// <summary>
/// Uncontrolled concurrency: telling a standstill caused by work the explorer does not control (a flow awaiting
/// <c>Task.Run</c>, <c>Task.Delay</c>, <c>SemaphoreSlim.WaitAsync</c>; an operation blocked in <c>lock</c>,
/// <c>SemaphoreSlim.Wait</c>, <c>Task.Wait</c>, <c>Thread.Join</c>) from a deadlock, and reporting it as
/// <see cref="BugKind.UncontrolledConcurrency"/>.
/// </summary>
/// <remarks>
/// <para>Implementation notes. Three detectors, each sure of what it reports. (1) Code of a flow turning up on a
/// foreign thread, the seam used there, or a continuation posted from there (<see cref="ReportUncontrolled"/>: the
/// flow's <see cref="AsyncLocal{T}"/> change handler, <see cref="OnUncontrolledAccess"/>, <see cref="Post"/>).
/// (2) At a standstill, before anything is called a deadlock: every waiting flow's async stack is walked
/// (<see cref="AwaitedWork"/>); a leaf that is uncontrolled work is reported at once; a leaf it cannot classify
/// (a <see cref="TaskCompletionSource"/> set by a raw thread, <c>Task.WhenAll</c> over <c>Task.Run</c> tasks) gets a
/// short grace of real time for detector 1 to see the work start — only at a standstill, which ends the run anyway, so
/// passing iterations never pay it. (3) A watchdog on the driver thread: the running operation's thread stays in a
/// wait (<see cref="System.Threading.ThreadState.WaitSleepJoin"/>) without any scheduling step for
/// <see cref="BlockedTimeout"/>: it blocks where the explorer cannot see (a monitor, a BCL semaphore, a task wait),
/// and since it holds the baton nobody else can run.</para>
/// </remarks>
internal sealed partial class ExplorerRuntime
{
    /// <summary>How long the running operation may sit in an uncontrolled wait before it is reported (bounded by
    /// <see cref="ExplorerOptions.HangTimeout"/>).</summary>
    internal static readonly TimeSpan BlockedTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The grace of real time given to uncontrolled work to show itself when a standstill has flows waiting
    /// for tasks the walker cannot classify.</summary>
    private static readonly TimeSpan s_standstillGrace = TimeSpan.FromMilliseconds(250);

    private const string Advice = "Inside a run use Explorer.Spawn instead of Task.Run or threads, Explorer.Delay instead of " +
        "Task.Delay, Thread.Sleep or real timers, and PinSync primitives (PinnedMutex, PinnedSemaphore, CondVar, WaitQueue) " +
        "instead of lock, Monitor, SemaphoreSlim or blocking task waits.";

    /// <summary>Whether the run ended with a worker thread left behind (a hang or an uncontrolled block).</summary>
    private bool _threadAbandoned;

    /// <summary>
    /// At a standstill with flows still waiting: reports uncontrolled work they await, and returns
    /// <see langword="true"/>, when there is any; otherwise the standstill is what it looks like.
    /// </summary>
    private bool DiagnoseStandstill()
    {
        var builder = new StringBuilder();
        var unknown = false;

        // Evidence of a standstill among controlled waits: an operation parked in one, or a flow awaiting one.
        var controlledWait = false;
        foreach (var operation in _live)
        {
            controlledWait |= operation.State == OperationState.Blocked;
        }

        foreach (var flow in _flows)
        {
            if (flow.Done || flow.Task is not { } task)
            {
                continue;
            }

            var leaf = AwaitedWork.Classify(task, ExplorerTaskKind);
            controlledWait |= leaf.Kind == AwaitedWork.Kind.Controlled;
            if (leaf.Kind == AwaitedWork.Kind.Uncontrolled)
            {
                builder.Append(builder.Length == 0 ? string.Empty : "; ").Append(flow.Label)
                    .Append(" awaits work the explorer does not control: ").Append(leaf.What);
            }

            unknown |= leaf.Kind == AwaitedWork.Kind.Unknown;
        }

        if (builder.Length > 0)
        {
            SetBug(BugKind.UncontrolledConcurrency, "Uncontrolled concurrency: " + builder + ". " + Advice);
            return true;
        }

        if (unknown && !controlledWait)
        {
            // Nothing waits on a controlled primitive, and some flow awaits a task the walker cannot place: work started
            // by a raw thread, or Task.Run behind a combinator, may not have begun yet. (With a controlled wait in the
            // standstill it is a deadlock as reported, and deadlock-heavy suites pay nothing.)
            var wait = Stopwatch.StartNew();
            while (Volatile.Read(ref _uncontrolled) is null && wait.Elapsed < s_standstillGrace)
            {
                Thread.Sleep(5);
            }
        }

        return HasBug();
    }

    private AwaitedWork.Kind? ExplorerTaskKind(Task task)
    {
        foreach (var flow in _flows)
        {
            if (flow.Completion.Task == task)
            {
                return AwaitedWork.Kind.Linked;
            }
        }

        foreach (var timer in _timers)
        {
            if (timer.Timer is DelayTimer delay && delay.Task == task)
            {
                return AwaitedWork.Kind.Controlled;
            }
        }

        return null;
    }

    /// <summary>Watchdog sample (driver thread): whether the running operation sits in an uncontrolled wait.</summary>
    private static bool IsBlockedOutsideControl(Operation? current) =>
        current?.Worker?.Thread is { } thread && (thread.ThreadState & System.Threading.ThreadState.WaitSleepJoin) != 0;

    /// <summary>The running operation blocked outside control (driver thread): report, abandon its thread, and let
    /// the parked operations unwind.</summary>
    private void OnBlocked(Operation stuck, TimeSpan blockedFor)
    {
        var seconds = blockedFor.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        SetBug(BugKind.UncontrolledConcurrency,
            $"Uncontrolled concurrency: {ScheduleLog.Describe(stuck)} is blocked in a wait the explorer does not control " +
            $"(lock or Monitor.Enter/Wait, SemaphoreSlim.Wait, Task.Wait or .Result, Thread.Join, Thread.Sleep, a WaitHandle): it " +
            $"neither reached a scheduling point nor parked for {seconds} s of wall-clock time, and while it holds the baton no " +
            $"other operation can run. {Advice} The blocked thread is abandoned.");
        AbandonRun(stuck);
    }

    /// <summary>Ends a run whose running operation does not come back (driver thread).</summary>
    private void AbandonRun(Operation? stuck)
    {
        _threadAbandoned = true;
        _finished = true;
        if (stuck?.Worker is { } worker)
        {
            worker.Abandoned = true;
        }

        // Every other started operation waits at its gate: wake each one; it sees the run finished and unwinds on its
        // own thread (seam points throw ExplorerAbortedException, nothing of the run's state is touched), so a monitor it
        // holds is released and a thread blocked on it may unwind too. The stuck thread does not touch the list.
        Operation[] operations;
        try
        {
            operations = [.. _operations];
        }
        catch (InvalidOperationException)
        {
            return;
        }
        catch (ArgumentException)
        {
            return;
        }

        foreach (var operation in operations)
        {
            if (operation != stuck && operation.Worker is { } parked && operation.State is OperationState.Blocked or OperationState.Runnable)
            {
                parked.Abandoned = true;
                parked.Signal();
            }
        }
    }
}
