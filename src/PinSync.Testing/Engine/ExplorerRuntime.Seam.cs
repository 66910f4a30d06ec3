using PinSync.Scheduling;

namespace PinSync.Testing.Engine;

/// <summary>The scheduling seam as seen by the explorer, and the operations the public API creates.</summary>
internal sealed partial class ExplorerRuntime
{
    /// <inheritdoc />
    public override int CurrentParker => -(Worker.Current?.Operation?.Id ?? 0);

    /// <inheritdoc />
    public override long NowTicks => _now;

    /// <inheritdoc />
    public override void OnSchedulingPoint(SchedulingPointKind kind, nint resource, string? operation)
    {
        if (Enter() is not { } current)
        {
            return;
        }

        Log(new LogEntry(LogEvent.Point, kind, current.Id, InlineFlow(current), resource, operation, _now));
        if (kind is SchedulingPointKind.Wait or SchedulingPointKind.Enqueue)
        {
            RecordWait(resource, operation);
        }

        Reschedule(current, kind == SchedulingPointKind.Yield ? ScheduleMode.Yield : ScheduleMode.Continue, current.Worker!);
    }

    /// <inheritdoc />
    public override bool Park(int parker, long deadlineTicks, nint resource, string? operation)
    {
        if (Enter() is not { } current)
        {
            throw new ExplorerAbortedException();
        }

        if (parker != -current.Id)
        {
            throw new InvalidOperationException($"{current} tried to park on parker {parker}; an operation parks only on its own parker.");
        }

        // An interrupt kept pending throws at the next wait at once, as a thread's pending interrupt does.
        ThrowPendingFault(current);
        if (current.Permit)
        {
            current.Permit = false;
            return true;
        }

        if (deadlineTicks <= _now)
        {
            return false;
        }

        current.State = OperationState.Blocked;
        current.WaitResource = resource;
        current.WaitOperation = operation;
        current.ParkResult = false;
        if (deadlineTicks != long.MaxValue)
        {
            current.ParkTimeout = new PendingTimer(deadlineTicks, ++_timerSequence, null, current);
            _timers.Add(current.ParkTimeout);
        }

        Log(new LogEntry(LogEvent.Park, default, current.Id, InlineFlow(current), resource, operation, deadlineTicks));
        RecordWait(resource, operation);
        Reschedule(current, ScheduleMode.Blocked, current.Worker!);
        ThrowPendingFault(current);
        return current.ParkResult;
    }

    /// <inheritdoc />
    public override void Unpark(int parker)
    {
        if (!IsControlledThread("Unpark") || _aborting)
        {
            return;
        }

        var id = -parker;
        if (id <= 0 || id > _operations.Count)
        {
            return;
        }

        var target = _operations[id - 1];
        var by = Worker.Current!.Operation!.Id;
        if (target.State == OperationState.Blocked)
        {
            target.State = OperationState.Runnable;
            target.ParkResult = true;
            if (target.ParkTimeout is { } timeout)
            {
                _timers.Remove(timeout);
                target.ParkTimeout = null;
            }

            Log(new LogEntry(LogEvent.Unpark, default, by, target.Id, 0, null, _now));
        }
        else if (target.State != OperationState.Completed)
        {
            target.Permit = true;
            Log(new LogEntry(LogEvent.Permit, default, by, target.Id, 0, null, _now));
        }
    }

    /// <inheritdoc />
    public override void QueueWorkItem(IThreadPoolWorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!IsControlledThread("QueueWorkItem") || _aborting)
        {
            return;
        }

        var operation = NewOperation(OperationKind.WorkItem);
        operation.WorkItem = item;
        Log(new LogEntry(LogEvent.Queue, default, Worker.Current!.Operation!.Id, operation.Id, 0, item.GetType().Name, _now));
    }

    /// <inheritdoc />
    public override void RegisterTimer(SchedulingTimer timer, long dueTicks)
    {
        ArgumentNullException.ThrowIfNull(timer);
        if (!IsControlledThread("RegisterTimer") || _aborting)
        {
            return;
        }

        var pending = new PendingTimer(dueTicks, ++_timerSequence, timer, null);
        _timers.Add(pending);
        Log(new LogEntry(LogEvent.Arm, default, Worker.Current!.Operation!.Id, pending.Sequence, 0, timer.ToString(), dueTicks));
    }

    /// <inheritdoc />
    public override bool CancelTimer(SchedulingTimer timer)
    {
        if (!IsControlledThread("CancelTimer"))
        {
            return false;
        }

        if (_aborting)
        {
            return true;
        }

        for (var i = 0; i < _timers.Count; i++)
        {
            if (ReferenceEquals(_timers[i].Timer, timer))
            {
                Log(new LogEntry(LogEvent.Disarm, default, Worker.Current!.Operation!.Id, _timers[i].Sequence, 0, timer.ToString(), _now));
                _timers.RemoveAt(i);
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override void OnUncontrolledAccess(string what) =>
        ReportUncontrolled($"the scheduling seam ({what}) was used on thread {Environment.CurrentManagedThreadId}, which the " +
            "explorer does not control (work started with Task.Run, ThreadPool, new Thread or a real timer inside the run)");

    /// <summary>A continuation posted to the explorer's synchronization context.</summary>
    internal void Post(SendOrPostCallback callback, object? state)
    {
        if (Worker.Current?.Operation is not { } poster || poster.Runtime != this)
        {
            ReportUncontrolled($"a continuation was posted to the explorer from thread {Environment.CurrentManagedThreadId}, which it " +
                "does not control: an await resumed after work outside the explorer completed (Task.Run, Task.Delay, a real " +
                "timer, I/O)");
            return;
        }

        if (_aborting || _finished)
        {
            return;
        }

        var operation = NewOperation(OperationKind.Continuation);
        operation.Callback = callback;
        operation.CallbackState = state;
        Log(new LogEntry(LogEvent.Post, default, poster.Id, operation.Id, 0, null, _now));
    }

    /// <summary>Creates a spawned operation and offers the scheduler a switch to it.</summary>
    internal Task Spawn(Func<Task>? function, Action? action, string? name)
    {
        if (Enter() is not { } current)
        {
            throw new ExplorerAbortedException();
        }

        var operation = NewOperation(OperationKind.Spawn);
        operation.AsyncBody = function;
        operation.SyncBody = action;
        operation.Flow = new Flow(this, operation.Id, isBody: false, name);
        _flows.Add(operation.Flow);
        Log(new LogEntry(LogEvent.Spawn, default, current.Id, operation.Id, 0, null, _now));
        var task = operation.Flow.Completion.Task;
        Reschedule(current, ScheduleMode.Continue, current.Worker!);
        return task;
    }

    /// <summary>A task that completes after <paramref name="delay"/> of virtual time.</summary>
    internal Task Delay(TimeSpan delay)
    {
        if (Enter() is null)
        {
            throw new ExplorerAbortedException();
        }

        var timer = new DelayTimer();
        RegisterTimer(timer, _now + delay.Ticks);
        return timer.Task;
    }

    /// <summary>Records a failed assertion and stops the running operation.</summary>
    internal void FailAssertion(string message)
    {
        var current = Worker.Current?.Operation;
        if (!_aborting)
        {
            var flow = Flow.Current is { } f && f.Runtime == this ? f : current?.Flow;
            var who = flow?.Label ?? current?.ToString() ?? "an operation";
            var where = string.Empty;
            if (flow is not null && current is not null && flow.Id != current.Id)
            {
                // The flow's code runs in another operation: a continuation of it (after an await), or inline in the
                // operation that completed the task it awaited.
                where = current.Kind == OperationKind.Continuation && (current.Flow is null || current.Flow == flow)
                    ? $" (in {current}, which resumed {flow} after an await)"
                    : $" ({flow}'s code ran inline in {current}, which completed the task {flow} awaited)";
            }

            Log(new LogEntry(LogEvent.Fail, default, current?.Id ?? 0, flow?.Id ?? 0, 0, "fails Explorer.Assert: " + message, _now));
            SetBug(BugKind.AssertionFailure, $"Assertion failed in {who}: {message}{where}");
            _aborting = true;
        }

        throw new ExplorerAbortedException("Explorer.Assert failed: " + message);
    }

    /// <summary>
    /// The running operation, checked: throws <see cref="ExplorerAbortedException"/> on a thread whose operation no
    /// longer belongs to a live iteration, and when a bug was found (the operation must unwind); returns
    /// <see langword="null"/> while the iteration unwinds (seam points are then no-ops, so finally blocks complete).
    /// </summary>
    private Operation? Enter()
    {
        if (Worker.Current?.Operation is not { } current || current.Runtime != this || _finished)
        {
            throw new ExplorerAbortedException();
        }

        if (_aborting || current.Aborting)
        {
            return null;
        }

        if (HasBug())
        {
            _aborting = true;
            throw new ExplorerAbortedException();
        }

        if (current.Kind == OperationKind.Continuation && current.Flow is null)
        {
            current.Flow = Flow.Current;
        }

        return current;
    }

    /// <summary>The flow whose code <paramref name="current"/> runs, when it is not the operation's own (a continuation
    /// run inline by the operation that completed the awaited task); 0 otherwise.</summary>
    private int InlineFlow(Operation current) =>
        Flow.Current is { } flow && flow.Runtime == this && current.Flow is { } own && own != flow ? flow.Id : 0;

    private void RecordWait(nint resource, string? operation)
    {
        if (Flow.Current is { } flow && flow.Runtime == this)
        {
            flow.LastWaitResource = resource;
            flow.LastWaitOperation = operation;
        }
    }

    private bool IsControlledThread(string what)
    {
        if (Worker.Current?.Operation?.Runtime == this && !_finished)
        {
            return true;
        }

        OnUncontrolledAccess(what);
        return false;
    }
}
