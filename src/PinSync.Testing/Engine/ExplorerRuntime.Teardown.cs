using System.Globalization;
using System.Text;

namespace PinSync.Testing.Engine;

/// <summary>Ending a run: teardown of an iteration with a bug, and the descriptions of stuck operations.</summary>
internal sealed partial class ExplorerRuntime
{
    /// <summary>
    /// Unwinds every other started operation of the iteration, one at a time, then ends the run. Runs on
    /// <paramref name="coordinator"/>, whose own operation has finished; it holds the baton throughout.
    /// </summary>
    private void Teardown(Worker coordinator)
    {
        _aborting = true;
        _teardownCoordinator = coordinator;
        foreach (var operation in _live.ToArray())
        {
            if (operation.Worker is not { } worker)
            {
                continue;
            }

            operation.Aborting = true;
            _current = operation;
            worker.Signal();
            if (!coordinator.Wait(s_teardownTimeout))
            {
                // It caught the abort and kept going: leave its thread behind rather than wait forever.
                worker.Abandoned = true;
                _teardownNote ??= $"(Teardown: {operation} did not unwind within {s_teardownTimeout.TotalSeconds:0} s; its thread was abandoned.)";
            }
        }

        _current = null;
        if (_teardownNote is null && CheckProbes() is { } broken)
        {
            // The teardown must leave every primitive whole, whatever the bug was.
            _teardownNote = $"(Invariant violated after the teardown: {broken}.)";
        }

        _strategy.EndIteration(_decisions.Count);
        _maxStepsObserved = Math.Max(_maxStepsObserved, _steps);
        FinishRun(coordinator);
    }

    /// <summary>Ends the run: the coordinator goes back to the pool and the driver wakes. Nothing of the run's state is
    /// touched by worker threads after this.</summary>
    private void FinishRun(Worker worker)
    {
        _finished = true;
        _current = null;
        Worker.Return(worker);
        _runDone.Release();
    }

    private string DescribeEnabled()
    {
        var builder = new StringBuilder();
        foreach (var operation in _live)
        {
            if (operation.IsEnabled)
            {
                builder.Append(builder.Length == 0 ? string.Empty : ", ").Append(ScheduleLog.Describe(operation));
            }
        }

        return builder.Length == 0 ? "none" : builder.ToString();
    }

    /// <summary>Names every blocked operation and every unfinished flow, with what it waits on.</summary>
    private string DescribeStuck(string header)
    {
        var names = BuildNames();
        var builder = new StringBuilder(header);
        var described = new HashSet<Flow>();
        foreach (var operation in _live)
        {
            if (operation.State != OperationState.Blocked)
            {
                continue;
            }

            builder.AppendLine().Append("  ").Append(operation);
            if (operation.Flow is { } flow && flow.Id != operation.Id)
            {
                builder.Append(" (continuation of ").Append(flow).Append(')');
            }

            builder.Append(" is blocked in ").Append(operation.WaitOperation ?? "Park")
                .Append('(').Append(names[operation.WaitResource]).Append(')');
            if (operation.ParkTimeout is { } timeout)
            {
                builder.Append(" until ").Append(ScheduleLog.FormatTime(timeout.DueTicks - ClockOrigin));
            }

            if (operation.Flow is { } owner)
            {
                described.Add(owner);
            }
        }

        foreach (var flow in _flows)
        {
            if (flow.Done || described.Contains(flow))
            {
                continue;
            }

            builder.AppendLine().Append("  ").Append(flow.Label)
                .Append(" is waiting for a task that no operation will complete");
            if (flow.LastWaitOperation is { } wait)
            {
                builder.Append(CultureInfo.InvariantCulture, $" (its last wait: {wait}({names[flow.LastWaitResource]}))");
            }
        }

        if (_timers.Count > 0)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"  ({_timers.Count} timer(s) pending; the clock does not advance after the body finished)");
        }

        return builder.ToString();
    }
}
