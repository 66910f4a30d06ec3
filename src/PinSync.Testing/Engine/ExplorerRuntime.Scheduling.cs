namespace PinSync.Testing.Engine;

/// <summary>The scheduling loop: running operations on workers, decisions, hand-offs, timers, iteration ends.</summary>
internal sealed partial class ExplorerRuntime
{
    /// <summary>Runs <paramref name="operation"/> and then whatever the scheduler hands this thread, until the
    /// baton goes to another thread.</summary>
    internal void RunOnWorker(Worker worker, Operation? operation)
    {
        while (operation is not null)
        {
            Bind(worker, operation);
            ExecuteOperation(worker, operation);
            operation = OnOperationCompleted(worker, operation);
        }
    }

    private void Bind(Worker worker, Operation operation)
    {
        if (worker.Runtime != this)
        {
            worker.Runtime = this;
            AttachCurrentThread(this);
            SetAmbient(this);
            worker.RuntimeContext = ExecutionContext.Capture();
        }

        operation.Worker = worker;
        operation.State = OperationState.Runnable;
        worker.Operation = operation;
        SynchronizationContext.SetSynchronizationContext(_context);
    }

    private void ExecuteOperation(Worker worker, Operation operation)
    {
        try
        {
            switch (operation.Kind)
            {
                case OperationKind.Body:
                case OperationKind.Spawn:
                    StartFlow(operation);
                    break;
                case OperationKind.Continuation:
                    operation.Callback!(operation.CallbackState);
                    break;
                case OperationKind.WorkItem:
                    operation.WorkItem!.Execute();
                    break;
                default:
                    operation.Timer!.Fire();
                    break;
            }
        }
        catch (ExplorerAbortedException)
        {
            // Unwound on purpose.
        }
#pragma warning disable CA1031 // Any exception escaping an operation is a bug of the program under test.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            if (!_aborting)
            {
                Log(new LogEntry(LogEvent.Fail, default, operation.Id, 0, 0, $"throws {exception.GetType().Name}: {exception.Message}", _now));
                SetBug(BugKind.UnhandledException, $"{ScheduleLog.Describe(operation)} threw {exception.GetType().Name}: {exception.Message}", exception);
            }
        }
        finally
        {
            if (worker.RuntimeContext is { } context)
            {
                ExecutionContext.Restore(context);
            }

            SynchronizationContext.SetSynchronizationContext(_context);
        }
    }

    private void StartFlow(Operation operation)
    {
        var flow = operation.Flow!;
        Flow.Current = flow;
        Task task;
        try
        {
            if (operation.AsyncBody is { } function)
            {
                task = function() ?? Task.CompletedTask;
            }
            else
            {
                operation.SyncBody!();
                task = Task.CompletedTask;
            }
        }
#pragma warning disable CA1031 // The exception goes to the flow's task, like an async method's.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            task = Task.FromException(exception);
        }

        flow.Task = task;
        if (task.IsCompleted)
        {
            OnFlowCompleted(flow);
        }
        else
        {
            // Captures the explorer's context: runs inline when the task completes inside an operation (the current
            // context is ours there), is posted to us otherwise (and reported as uncontrolled when that happens on
            // a foreign thread). ConfigureAwait(false) would not do: with a non-default context current, the task
            // machinery refuses to inline and sends the callback to the thread pool.
            task.GetAwaiter().UnsafeOnCompleted(flow.OnTaskCompleted);
        }
    }

    /// <summary>The task of <paramref name="flow"/> completed, on whatever thread completed it.</summary>
    internal void OnFlowTaskCompleted(Flow flow)
    {
        if (Worker.Current?.Operation?.Runtime != this)
        {
            ReportUncontrolled($"the task of {flow} completed on thread {Environment.CurrentManagedThreadId}, which the explorer " +
                "does not control (it awaited work started outside the explorer)");
            return;
        }

        if (!_aborting && !_finished)
        {
            OnFlowCompleted(flow);
        }
    }

    private void OnFlowCompleted(Flow flow)
    {
        var task = flow.Task!;
        flow.Done = true;
        if (flow.IsBody)
        {
            _bodyDone = true;
        }

        if (task.IsFaulted && IsInjected(task.Exception!.InnerException!))
        {
            // Cut short by a fault the schedule injected: not a bug of the program; the primitives get checked.
            Log(new LogEntry(LogEvent.CutShort, default, 0, flow.Id, 0, task.Exception.InnerException!.GetType().Name, _now));
            flow.Completion.TrySetResult();
        }
        else if (task.IsFaulted)
        {
            var exception = task.Exception!.InnerException!;
            if (exception is not ExplorerAbortedException && !_aborting)
            {
                Log(new LogEntry(LogEvent.Fail, default, Worker.Current?.Operation?.Id ?? 0, flow.Id, 0,
                    $"throws {exception.GetType().Name}: {exception.Message}", _now));
                SetBug(BugKind.UnhandledException, $"{flow.Label} threw {exception.GetType().Name}: " + exception.Message, exception);
            }

            flow.Completion.TrySetException(task.Exception.InnerExceptions);
        }
        else if (task.IsCanceled)
        {
            SetBug(BugKind.UnhandledException, $"{flow} ended canceled (an OperationCanceledException escaped it)");
            flow.Completion.TrySetCanceled();
        }
        else
        {
            Log(new LogEntry(LogEvent.FlowDone, default, Worker.Current?.Operation?.Id ?? 0, flow.Id, 0, null, _now));
            flow.Completion.TrySetResult();
        }
    }

    private Operation? OnOperationCompleted(Worker worker, Operation operation)
    {
        operation.State = OperationState.Completed;
        operation.Worker = null;
        worker.Operation = null;
        if (_finished)
        {
            // A hung operation came back after the run ended, or a parked one unwound after it: its thread leaves the
            // pool without touching the run's state (other such threads may be unwinding at the same time).
            worker.Abandoned = true;
            return null;
        }

        _live.Remove(operation);
        _progressMark++;

        if (operation.Aborting)
        {
            // Teardown: this operation has unwound; tell the coordinator (after giving up every shared state).
            var coordinator = _teardownCoordinator!;
            Worker.Return(worker);
            coordinator.Signal();
            return null;
        }

        Log(new LogEntry(LogEvent.Finish, default, operation.Id, operation.Flow is { Done: false } suspended ? suspended.Id : 0, 0, null, _now));
        if (HasBug())
        {
            Teardown(worker);
            return null;
        }

        return Reschedule(operation, ScheduleMode.Completed, worker);
    }

    /// <summary>
    /// A decision by the running operation <paramref name="current"/> (on <paramref name="worker"/>). Returns the
    /// operation this thread must start next (only when <paramref name="current"/> completed), or
    /// <see langword="null"/> once <paramref name="current"/> has the baton again (or this thread has given it away
    /// for good).
    /// </summary>
    private Operation? Reschedule(Operation current, ScheduleMode mode, Worker worker)
    {
        var next = PickNext(current, mode);
        if (next is null)
        {
            if (HasBug())
            {
                if (mode == ScheduleMode.Completed)
                {
                    Teardown(worker);
                    return null;
                }

                current.State = OperationState.Runnable;
                _aborting = true;
                throw new ExplorerAbortedException();
            }

            return EndIteration(worker);
        }

        if (next == current)
        {
            return null;
        }

        Log(new LogEntry(LogEvent.Switch, default, current.Id, next.Id, 0, null, _now));
        _current = next;
        if (mode == ScheduleMode.Completed)
        {
            if (next.State == OperationState.NotStarted)
            {
                return next;
            }

            Worker.Return(worker);
            next.Worker!.Signal();
            return null;
        }

        if (next.State == OperationState.NotStarted)
        {
            Worker.Rent().Start(next);
        }
        else
        {
            next.Worker!.Signal();
        }

        worker.Wait();
        if (current.Aborting || _finished)
        {
            throw new ExplorerAbortedException();
        }

        return null;
    }

    private Operation? EndIteration(Worker worker)
    {
        if (CheckProbes() is { } broken)
        {
            SetBug(BugKind.InvariantViolation, "Invariant violated after the iteration: " + broken + ".");
            _strategy.EndIteration(_decisions.Count);
            _maxStepsObserved = Math.Max(_maxStepsObserved, _steps);
            FinishRun(worker);
            return null;
        }

        _strategy.EndIteration(_decisions.Count);
        _maxStepsObserved = Math.Max(_maxStepsObserved, _steps);
        Volatile.Write(ref _completedIterations, _completedIterations + 1);
        var next = _iteration + 1;
        if (next >= _maxIterations || (_timeBudget is { } budget && _stopwatch.Elapsed >= budget)
            || !_strategy.BeginIteration(next, SplitMix64.IterationSeed(_seed, next)))
        {
            FinishRun(worker);
            return null;
        }

        var body = BeginIteration(next);
        _current = body;
        return body;
    }

    private void Log(in LogEntry entry) => _log.Add(entry);
}
