using Microsoft.Extensions.Logging;
using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>Activation, deactivation (idle, on request, at shutdown) and the grain's timers.</summary>
internal sealed partial class Activation
{
    /// <summary>The first turn: creates the grain and runs <see cref="Grain.OnActivateAsync"/>.</summary>
    private async Task ActivateAsync()
    {
        _state = ActivationState.Activating;
        try
        {
            _grain = _class.Create(_runtime.Services);
            _grain.Attach(this);
            await _grain.OnActivateAsync(CancellationToken.None);
        }
        catch (Exception exception)
        {
            LogActivationFailed(_runtime.Logger, exception, Name);
            FailActivation(exception);
            return;
        }

        _state = ActivationState.Valid;
        Volatile.Write(ref _lastActiveTicks, Seam.NowTicks());
        if (_deactivateAfterActivation is { } reason)
        {
            StartDeactivation(reason);
            return;
        }

        Dispatch(null);
    }

    /// <summary>Activation failed: the waiting requests fail with its exception; later ones get a fresh activation.</summary>
    private void FailActivation(Exception exception)
    {
        _state = ActivationState.Invalid;
        _activationFailure = exception;
        _runtime.RemoveActivation(this);
        Scheduler.Close();
        while (_waiting.TryDequeue(out var request))
        {
            request.Fail(exception);
            Discard(request);
        }

        _runtime.Metrics.ActivationDestroyed();
        _deactivated.Signal();
    }

    /// <summary>Marks the activation for deactivation once no request runs (called by the grain, in a turn).</summary>
    internal void DeactivateOnIdle()
    {
        _deactivateOnIdle = true;
        if (_running.Count == 0 && _state == ActivationState.Valid)
        {
            StartDeactivation(DeactivationReason.DeactivateOnIdle);
        }
    }

    /// <summary>Starts deactivating (turn): no more admissions; finishes when the running requests have.</summary>
    internal void StartDeactivation(DeactivationReason reason)
    {
        switch (_state)
        {
            case ActivationState.Created:
            case ActivationState.Activating:
                _deactivateAfterActivation = reason;
                return;
            case ActivationState.Deactivating:
            case ActivationState.Invalid:
                return;
        }

        if (reason == DeactivationReason.IdleCollection &&
            (Volatile.Read(ref _pending) != 0 || _running.Count != 0 ||
             Seam.NowTicks() - Volatile.Read(ref _lastActiveTicks) < _runtime.CollectionAgeTicks))
        {
            // Became busy since the collector looked.
            return;
        }

        _state = ActivationState.Deactivating;
        _deactivationReason = reason;
        StopTimers();
        if (_running.Count == 0)
        {
            _ = FinishDeactivationAsync();
        }
    }

    /// <summary>The last turns: <see cref="Grain.OnDeactivateAsync"/>, then leave the directory and forward what
    /// arrived meanwhile.</summary>
    private async Task FinishDeactivationAsync()
    {
        try
        {
            await _grain!.OnDeactivateAsync(_deactivationReason, CancellationToken.None);
        }
        catch (Exception exception)
        {
            LogDeactivationFailed(_runtime.Logger, exception, Name);
        }

        // Leave the directory first, then close: a sender that finds the scheduler closed finds the directory
        // without us, and anything posted before the close still arrives here and is forwarded below.
        _runtime.RemoveActivation(this);
        Scheduler.Close();
        _state = ActivationState.Invalid;
        while (_waiting.TryDequeue(out var request))
        {
            Forward(request);
        }

        if (_forward is { } forward)
        {
            _forward = null;
            foreach (var request in forward)
            {
                Forward(request);
            }
        }

        _runtime.Metrics.ActivationDestroyed();
        _deactivated.Signal();
    }

    /// <summary>Registers a grain timer (turn).</summary>
    internal GrainTimer AddTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool interleave, bool keepAlive = false)
    {
        var timer = new GrainTimer(this, callback, period, interleave, keepAlive);
        if (_state is ActivationState.Deactivating or ActivationState.Invalid)
        {
            // Timers stop at deactivation; one registered afterwards never fires.
            timer.Dispose();
            return timer;
        }

        (_timers ??= []).Add(timer);
        timer.Arm(dueTime);
        return timer;
    }

    /// <summary>Forgets a disposed timer (any thread: posts to a turn when needed).</summary>
    internal void RemoveTimer(GrainTimer timer)
    {
        if (ActivationScheduler.Running == Scheduler)
        {
            _timers?.Remove(timer);
            return;
        }

        Scheduler.Post(static state => ((GrainTimer)state!).Activation._timers?.Remove((GrainTimer)state!), timer);
    }

    private void StopTimers()
    {
        if (_timers is not { } timers)
        {
            return;
        }

        _timers = null;
        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Activation of {Activation} failed")]
    private static partial void LogActivationFailed(ILogger logger, Exception exception, string activation);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "OnDeactivateAsync of {Activation} threw")]
    private static partial void LogDeactivationFailed(ILogger logger, Exception exception, string activation);
}
