using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>Admission of requests: the reentrancy predicate, deadlock reports, starting and finishing requests.</summary>
internal sealed partial class Activation
{
    private const int MaxHops = 16;

    /// <summary>A request arrived (turn). Runs it, queues it, forwards it, or fails it as a deadlock.</summary>
    private void OnArrived(object? state)
    {
        var request = (Request)state!;
        switch (_state)
        {
            case ActivationState.Created:
            case ActivationState.Activating:
                _waiting.Enqueue(request);
                return;
            case ActivationState.Deactivating:
                (_forward ??= []).Add(request);
                return;
            case ActivationState.Invalid when _activationFailure is not null:
                // Posted before the failed activation closed: it waited for this activation, so it fails with it.
                request.Fail(_activationFailure);
                Discard(request);
                return;
            case ActivationState.Invalid:
                Forward(request);
                return;
        }

        if (request.IsCompleted)
        {
            Discard(request);
            return;
        }

        if (MayInvokeRequest(request))
        {
            Dispatch(request);
            return;
        }

        if (FindDeadlock(request) is { } chain)
        {
            _runtime.Metrics.DeadlockReported();
            var deadlock = new GrainDeadlockException(chain);
            LogDeadlock(_runtime.Logger, deadlock.Message);
            request.Fail(deadlock);
            Discard(request);
            return;
        }

        _waiting.Enqueue(request);
        if (request.CallerChain is not null)
        {
            OnChainedRequestQueued();
        }
    }

    /// <summary>
    /// The reentrancy predicate, the one place that decides whether <paramref name="incoming"/> may start while
    /// other requests of this activation are running (Orleans' <c>ActivationData.MayInvokeRequest</c>): yes when
    /// nothing runs; when the class is <see cref="ReentrantAttribute"/>; when the method is
    /// <see cref="AlwaysInterleaveAttribute"/>; when it is <see cref="ReadOnlyAttribute"/>, everything running is
    /// read-only and no writer waits ahead of it; and when its call chain passes through a request running here that
    /// opened <see cref="GrainCallContext.AllowCallChainReentrancy"/>. Never two at once on a thread: interleaving
    /// happens only at awaits, turn by turn.
    /// </summary>
    private bool MayInvokeRequest(Request incoming)
    {
        Debug.Assert(ActivationScheduler.Running == Scheduler, "The predicate runs inside the activation's turn.");
        if (_running.Count == 0 || _class.IsReentrant || incoming.Shape.AlwaysInterleave)
        {
            return true;
        }

        if (incoming.Shape.IsReadOnly && AllRunningAreReadOnly() &&
            (_waiting.Count == 0 || ReferenceEquals(_waiting.Peek(), incoming)))
        {
            return true;
        }

        for (var hop = incoming.CallerChain; hop is not null; hop = hop.Parent)
        {
            // A hop whose call has ended cuts the chain (Parent is null then): nothing before it waits through it.
            if (hop.AllowReentrancy && IsRunningHere(hop))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A refused request deadlocks when its own call chain passes through a request that is running here: that
    /// request awaits (transitively) the refused one, and the refused one waits for it to finish. Returns the chain
    /// to report (first caller first, the refused request last), or <see langword="null"/>.
    /// </summary>
    private List<string>? FindDeadlock(Request incoming)
    {
        for (var hop = incoming.CallerChain; hop is not null; hop = hop.Parent)
        {
            if (IsRunningHere(hop))
            {
                var chain = (List<string>)GrainCallContext.Describe(incoming.CallerChain);
                chain.Add(Name + "." + incoming.Shape.Name);
                return chain;
            }
        }

        return null;
    }

    /// <summary>Whether the call of <paramref name="hop"/> runs on this activation now (turn). Checked in this order:
    /// a cheap filter (a request running here started here), then a request found in <see cref="_running"/> is held
    /// by this activation (so it runs here), and its
    /// <see cref="Request.RunNode"/> is stable and tells whether it is still the hop's call or a later call of the
    /// same pooled object.</summary>
    private bool IsRunningHere(CallChainNode hop) =>
        ReferenceEquals(Volatile.Read(ref hop.Request.ChainActivation), this) && _running.Contains(hop.Request) && hop.IsCurrent;

    private bool AllRunningAreReadOnly()
    {
        foreach (var running in _running)
        {
            if (!running.Shape.IsReadOnly)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Starts <paramref name="first"/> (admitted already, or <see langword="null"/>), then every waiting
    /// request the predicate admits, in FIFO order. Iterative: a long queue of synchronous requests never
    /// recurses.</summary>
    private void Dispatch(Request? first)
    {
        var next = first;
        while (true)
        {
            if (next is null)
            {
                if (_state != ActivationState.Valid || !TryTakeWaiting(out next))
                {
                    return;
                }
            }

            var request = next!;
            next = null;
            _running.Add(request);
            _runtime.Metrics.RequestStarted();
            if (Start(request))
            {
                FinishCore(request);
                if (AfterFinish())
                {
                    return;
                }
            }
        }
    }

    private bool TryTakeWaiting([NotNullWhen(true)] out Request? request)
    {
        while (_waiting.TryPeek(out var head))
        {
            if (head.IsCompleted)
            {
                _waiting.Dequeue();
                Discard(head);
                continue;
            }

            if (!MayInvokeRequest(head))
            {
                break;
            }

            request = _waiting.Dequeue();
            return true;
        }

        request = null;
        return false;
    }

    /// <summary>Runs the grain code of <paramref name="request"/> with its call chain; <see langword="true"/> when it
    /// finished synchronously.</summary>
    private bool Start(Request request)
    {
        var saved = GrainCallContext.Current;

        // 96 B per call in all: this 24 B node, and the execution context (40 B) with its one-entry map (32 B) that
        // carry it. Restoring the turn's value below allocates nothing when it had none (the usual turn).
        GrainCallContext.Current = request.StartRun(this);
        try
        {
            return request.Invoke(_grain!, this);
        }
        finally
        {
            GrainCallContext.Current = saved;
        }
    }

    /// <summary>A request that went asynchronous has finished (turn).</summary>
    internal void OnRequestFinished(Request request)
    {
        FinishCore(request);
        if (!AfterFinish())
        {
            Dispatch(null);
        }
    }

    private void FinishCore(Request request)
    {
        _running.Remove(request);
        if (request.IsCall)
        {
            Interlocked.Decrement(ref _pending);
            Volatile.Write(ref _lastActiveTicks, Seam.NowTicks());
        }

        _runtime.Metrics.RequestFinished();
        request.OnFinished(this);

        // The activation's hold, last: a pooled request may be recycled from here on.
        request.Release();
    }

    /// <summary>Lifecycle work after a request finished; <see langword="true"/> when dispatching must stop.</summary>
    private bool AfterFinish()
    {
        if (_state == ActivationState.Deactivating)
        {
            if (_running.Count == 0)
            {
                _ = FinishDeactivationAsync();
            }

            return true;
        }

        if (_deactivateOnIdle && _running.Count == 0 && _state == ActivationState.Valid)
        {
            StartDeactivation(DeactivationReason.DeactivateOnIdle);
            return true;
        }

        return false;
    }

    /// <summary>Drops a request that will not run here and goes nowhere else (completed already, or failed): ends
    /// the activation's hold on it.</summary>
    private void Discard(Request request)
    {
        Uncount(request);
        request.Release();
    }

    /// <summary>Takes a request that will not run here off this activation's counts.</summary>
    private void Uncount(Request request)
    {
        if (request.IsCall)
        {
            Interlocked.Decrement(ref _pending);
        }

        _runtime.Metrics.RequestStarted();
    }

    /// <summary>Sends a request that reached this (departed) activation to the grain's current activation (which
    /// takes over the activation's hold), or drops it.</summary>
    private void Forward(Request request)
    {
        Uncount(request);
        if (!request.IsCall || request.IsCompleted)
        {
            request.Release();
            return;
        }

        if (++request.Hops > MaxHops)
        {
            request.Fail(new InvalidOperationException(SR.TooManyHops));
            request.Release();
            return;
        }

        _runtime.Forward(Id, request);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "{Report}")]
    private static partial void LogDeadlock(ILogger logger, string report);
}
