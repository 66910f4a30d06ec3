using System.Globalization;
using System.Runtime.InteropServices;

namespace PinSync.Testing.Engine;

/// <summary>Decisions: the candidates of a step, the strategy's choice, timers firing, and what it means when
/// nothing can run.</summary>
internal sealed partial class ExplorerRuntime
{
    private Operation? PickNext(Operation current, ScheduleMode mode)
    {
        // A timer that fires only becomes enabled (its operation, or its parked owner); then the strategy decides
        // again, so "fired but its action has not run yet" races are explored too (CancelTimer returns false then).
        while (true)
        {
            _steps++;
            _progressMark++;
            if (HasBug())
            {
                return null;
            }

            if (_steps > _maxSteps)
            {
                SetBug(BugKind.Livelock, string.Create(CultureInfo.InvariantCulture,
                    $"Livelock: the iteration took more than {_maxSteps} scheduling steps (ExplorerOptions.MaxSteps) without " +
                    $"finishing. Enabled: {DescribeEnabled()}. The end of the readable trace shows the loop."));
                return null;
            }

            var timersLive = _timers.Count > 0 && !_bodyDone;
            var currentIndex = CollectCandidates(current, mode, timersLive);
            if (_candidates.Count == 0)
            {
                if (timersLive)
                {
                    FireEarliestTimer(fromQuiescence: true, current);
                    continue;
                }

                EvaluateQuiescence();
                return null;
            }

            var faults = AddFaultCandidates();
            if (timersLive)
            {
                _candidates.Add(Decision.TimerCandidate);
            }

            int chosen;
            if (_candidates.Count == 1)
            {
                chosen = _candidates[0];
            }
            else
            {
                var index = _strategy.Choose(new Decision(CollectionsMarshal.AsSpan(_candidates), currentIndex, _decisions.Count, faults));
                if ((uint)index >= (uint)_candidates.Count)
                {
                    SetBug(BugKind.ReplayDivergence, "The schedule diverged: " + (_strategy.Error ?? "the strategy gave no choice") + ".");
                    return null;
                }

                chosen = _candidates[index];
                _decisions.Add(chosen);
            }

            if (chosen < 0)
            {
                InjectFault(chosen, current);
                continue;
            }

            if (chosen != Decision.TimerCandidate)
            {
                return _operations[chosen - 1];
            }

            FireEarliestTimer(fromQuiescence: false, current);
        }
    }

    /// <summary>Fills <see cref="_candidates"/> with the enabled operations in id order; returns the index of
    /// <paramref name="current"/> when choosing another one would be a preemption, else -1.</summary>
    private int CollectCandidates(Operation current, ScheduleMode mode, bool timersLive)
    {
        var yielding = mode == ScheduleMode.Yield;
        var othersEnabled = false;
        if (yielding)
        {
            _strategy.OnYield(current.Id);
            foreach (var operation in _live)
            {
                if (operation != current && operation.IsEnabled)
                {
                    othersEnabled = true;
                    break;
                }
            }
        }

        _candidates.Clear();
        var currentIndex = -1;
        foreach (var operation in _live)
        {
            if (!operation.IsEnabled)
            {
                continue;
            }

            if (operation == current)
            {
                // A spinner steps aside for anyone else, or for a timer that could end its wait.
                if (yielding && (othersEnabled || timersLive))
                {
                    continue;
                }

                currentIndex = yielding ? -1 : _candidates.Count;
            }

            _candidates.Add(operation.Id);
        }

        return currentIndex;
    }

    private void FireEarliestTimer(bool fromQuiescence, Operation current)
    {
        var earliest = _timers[0];
        foreach (var timer in _timers)
        {
            if (timer.IsBefore(earliest))
            {
                earliest = timer;
            }
        }

        _timers.Remove(earliest);
        if (earliest.DueTicks > _now)
        {
            _now = earliest.DueTicks;
            if (fromQuiescence)
            {
                Log(new LogEntry(LogEvent.Clock, default, 0, 0, 0, null, _now));
            }
        }

        if (earliest.Parked is { } parked)
        {
            parked.ParkTimeout = null;
            parked.ParkResult = false;
            parked.State = OperationState.Runnable;
            Log(new LogEntry(LogEvent.ParkTimeout, default, current.Id, parked.Id, parked.WaitResource, parked.WaitOperation, _now));
            return;
        }

        var operation = NewOperation(OperationKind.Timer);
        operation.Timer = earliest.Timer;
        Log(new LogEntry(LogEvent.Fire, default, current.Id, operation.Id, 0,
            "T" + earliest.Sequence.ToString(CultureInfo.InvariantCulture) + " (" + earliest.Timer + ")", _now));
    }

    private void EvaluateQuiescence()
    {
        if (HasBug())
        {
            // Uncontrolled work reported so far explains the standstill better than a deadlock would.
            return;
        }

        if (DiagnoseStandstill())
        {
            // A flow awaits work the explorer does not control: that, not a deadlock, is why nothing can run.
            return;
        }

        if (!_bodyDone)
        {
            SetBug(BugKind.Deadlock, DescribeStuck("Deadlock: no operation can run and no timer is pending."));
            return;
        }

        var unfinished = _live.Count > 0;
        foreach (var flow in _flows)
        {
            unfinished |= !flow.Done;
        }

        if (unfinished)
        {
            SetBug(BugKind.UnfinishedOperation, DescribeStuck("The body finished, but operations it started never did."));
        }
        else if (_strategy is Strategies.ReplayStrategy { Remaining: > 0 } replay)
        {
            SetBug(BugKind.ReplayDivergence, $"The schedule diverged: the run ended after {_decisions.Count} decisions, but the " +
                $"trace has {_decisions.Count + replay.Remaining}.");
        }
    }
}
