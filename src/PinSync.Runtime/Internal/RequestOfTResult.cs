using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Tasks.Sources;
using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// A grain call: the caller awaits it as a <see cref="ValueTask{TResult}"/> (it is the value-task source), the
/// activation runs it, and whichever comes first of result, timeout and caller cancellation completes it. Pooled:
/// one object serves many calls, one after the other (the ownership protocol is in
/// <c>RequestOfTResult.Pooling.cs</c>).
/// </summary>
/// <remarks>
/// <para>Implementation notes. The completed bit of <see cref="_state"/> goes from 0 to 1 once per call, by whoever
/// completes the caller (the grain's result, the timeout, the caller's token); the losers do nothing. Completion
/// disarms the timeout and the caller-token registration. A caller never resumes inside the callee's turn: a grain
/// caller awaits on its own activation's context, so the value-task source posts its continuation there and
/// completion runs inline; any other caller (plain code, a test body, <c>AsTask()</c>) is resumed by a work item
/// queued through the scheduling seam (<see cref="Execute"/>), so under the explorer that hop is a controlled
/// operation too.</para>
/// <para>The grain method's <see cref="CancellationToken"/> is the caller's token, or — when the method takes a
/// token and there is a finite timeout — a source that the caller's cancellation and the timeout both cancel. That
/// source has no timer of its own, so it is never disposed, and it is never pooled (grain code may keep its
/// token).</para>
/// <para>The timeout is enforced by the runtime's <see cref="RequestDeadlines"/> sweep (under the explorer, by a
/// seam timer of the request's own); either way it ends in <see cref="OnFire"/>.</para>
/// <para>How the grain is called is up to the subclass: through reflection (<see cref="ReflectionRequest{TResult}"/>,
/// the <c>DispatchProxy</c> path) or through a typed delegate (<see cref="TypedRequest{TArgs, TResult}"/>, the path of
/// generated references).</para>
/// </remarks>
/// <typeparam name="TResult">The method's result (<see cref="Unit"/> for methods without one).</typeparam>
[SuppressMessage("Design", "CA1001", Justification = "False positive: the token source has no timer and no wait " +
    "handle, so it holds nothing to release; disposing it would race with the timeout and the caller's cancellation.")]
internal abstract partial class Request<TResult> : Request, IValueTaskSource<TResult>, IValueTaskSource, IThreadPoolWorkItem
{
    private static readonly Action<object?> s_onCallerCanceled = static state => ((Request<TResult>)state!).OnCallerCanceled();

    private CancellationToken _callerToken;
    private ManualResetValueTaskSourceCore<TResult> _core;
    private CancellationTokenSource? _grainCancellation;
    private CancellationTokenRegistration _callerRegistration;
    private TimeSpan _timeout;
    private bool _timerArmed;
    private object? _target;

    // The grain method's pending result while it runs asynchronously, the activation it runs on, and the
    // continuation that brings its completion back to a turn (created once per pooled object).
    private ValueTask<TResult> _pending;
    private Activation? _runActivation;
    private Action? _onPendingCompleted;

    // The answer, kept for Execute when completion is handed to a work item, and the holds Disarm found ended
    // (released by Execute with the completer's own).
    private TResult? _result;
    private Exception? _exception;
    private int _disarmedHolds;

    /// <summary>A pooled call: <see cref="Rent"/> sets it up for each use.</summary>
    protected Request()
    {
    }

    /// <summary><c>IAccount.Deposit</c>, for messages.</summary>
    protected abstract string DisplayName { get; }

    /// <summary>Whether the grain method takes a <see cref="CancellationToken"/>.</summary>
    protected abstract bool TakesCancellationToken { get; }

    /// <summary>Calls the grain method (may throw synchronously).</summary>
    protected abstract ValueTask<TResult> InvokeGrain(Grain grain, CancellationToken token);

    /// <summary>Sets up a fresh (or recycled) request for one call; the caller then calls <see cref="Arm"/> and sends
    /// it. The returned token goes into the caller's <see cref="ValueTask{TResult}"/>.</summary>
    private protected short Rent(RequestShape shape, CallChainNode? callerChain, CancellationToken callerToken)
    {
        Shape = shape;
        CallerChain = callerChain;
        _callerToken = callerToken;
        _holds = CallerHold + CompleterHold + ActivationHold;
        return _core.Version;
    }

    /// <summary>Arms the timeout and the caller's cancellation; called once, before the request is sent.</summary>
    /// <param name="runtime">The runtime: its request timeout (<see cref="Timeout.InfiniteTimeSpan"/> for none) and
    /// the sweep that enforces it.</param>
    /// <param name="target">The target grain (formatted only for a timeout message).</param>
    internal void Arm(GrainRuntime runtime, object target)
    {
        var timeout = runtime.RequestTimeout;
        _target = target;
        _timeout = timeout;
        var finite = timeout != Timeout.InfiniteTimeSpan;
        if (TakesCancellationToken && finite)
        {
            _grainCancellation = new CancellationTokenSource();
        }

        if (finite)
        {
            // The deadline's hold is taken before the sweep or the timer can see the request.
            _holds++;
            if (runtime.Deadlines is { } deadlines && RequestDeadlines.UsesSweep)
            {
                // The common case: one coarse sweep per runtime, no timer-heap lock per call.
                deadlines.Add(this);
            }
            else
            {
                // Under the explorer: a timer of the request's own, in the schedule's virtual time.
                _timerArmed = true;
                Seam.RegisterTimer(this, Seam.NowTicks() + timeout.Ticks);
            }
        }

        if (_callerToken.CanBeCanceled)
        {
            // The registration's hold, taken before the callback can run. Runs the callback at once if the token is
            // cancelled already (Volatile: the deadline's hold above may be released by another thread meanwhile).
            Interlocked.Increment(ref _holds);
            _callerRegistration = _callerToken.UnsafeRegister(s_onCallerCanceled, this);
        }
    }

    /// <inheritdoc />
    internal override void Fail(Exception exception) => TrySetException(exception);

    /// <inheritdoc />
    internal override void Fail(Exception exception, int generation)
    {
        if (TryClaim(generation))
        {
            Complete(result: default, exception);
        }
    }

    /// <inheritdoc />
    internal override bool Invoke(Grain grain, Activation activation)
    {
        var token = _grainCancellation?.Token ?? _callerToken;
        ValueTask<TResult> pending;
        try
        {
#pragma warning disable CA2012 // Consumed exactly once: by SettleFrom when completed, else by the continuation below.
            pending = InvokeGrain(grain, token);
#pragma warning restore CA2012
        }
        catch (Exception exception)
        {
            TrySetException(exception);
            return true;
        }

        if (pending.IsCompleted)
        {
            SettleFrom(pending);
            return true;
        }

        // No async state machine: the request is the continuation (one delegate per pooled object). Started inside a
        // turn, so the await captures the activation's context and the continuation runs as a turn of its own. Not
        // ConfigureAwait(false) plus a post of our own: with the activation's context current, the task machinery
        // would not inline such a continuation but send it to the thread pool (outside the explorer's control).
        _pending = pending;
        _runActivation = activation;
        pending.GetAwaiter().UnsafeOnCompleted(_onPendingCompleted ??= FinishInTurn);
        return false;
    }

    /// <summary>The grain method finished asynchronously (turn): complete the caller, then finish the request.</summary>
    private void FinishInTurn()
    {
        var pending = _pending;
        var activation = _runActivation!;
        _pending = default;
        _runActivation = null;
        SettleFrom(pending);

        // Releases the activation's hold last: the request may be recycled from here on.
        activation.OnRequestFinished(this);
    }

    private void SettleFrom(ValueTask<TResult> pending)
    {
        Debug.Assert(pending.IsCompleted, "Settled only once the grain's task has completed.");
        TResult result;
        try
        {
#pragma warning disable CA2012 // Completed (asserted above): both callers check IsCompleted or run as its continuation.
            result = pending.GetAwaiter().GetResult();
#pragma warning restore CA2012
        }
        catch (Exception exception)
        {
            TrySetException(exception);
            return;
        }

        TrySetResult(result);
    }

    /// <summary>The timeout: the caller fails with <see cref="TimeoutException"/>, the grain method's token fires.</summary>
    /// <remarks>The deadline's hold keeps the request out of the pool until this returns, so it never fires a later
    /// call's timeout.</remarks>
    protected override void OnFire()
    {
        if (TryClaim(Generation))
        {
            Complete(result: default, new TimeoutException(SR.RequestTimedOut(DisplayName, _target, _timeout)));
            CancelGrainToken();
        }

        ReleaseHold();
    }

    private void OnCallerCanceled()
    {
        if (TryClaim(Generation))
        {
            Complete(result: default, new OperationCanceledException(_callerToken));
            CancelGrainToken();
        }

        // The registration's hold: Disarm found the callback running (or run), so the callback releases it.
        ReleaseHold();
    }

    private void CancelGrainToken()
    {
        try
        {
            _grainCancellation?.Cancel();
        }
        catch (AggregateException)
        {
            // A callback the grain registered threw; the grain sees its own exception through its token use.
        }
    }

    private void TrySetResult(TResult result)
    {
        if (TryClaim(Generation))
        {
            Complete(result, exception: null);
        }
    }

    private void TrySetException(Exception exception)
    {
        if (TryClaim(Generation))
        {
            Complete(result: default, exception);
        }
    }

    /// <summary>The winner of the completed bit: disarm, keep the answer, publish it.</summary>
    private void Complete(TResult? result, Exception? exception)
    {
        Disarm();
        _result = result;
        _exception = exception;
        Publish();
    }

    private void Publish()
    {
        if (CallerChain is not null)
        {
            // A grain awaits this on its own context: the source posts the continuation there.
            Execute();
            return;
        }

        Seam.QueueWorkItem(this);
    }

    /// <summary>Hands the answer to the caller (runs its continuation unless it captured a context), then ends the
    /// completer's hold and the holds that <see cref="Disarm"/> found ended.</summary>
    public void Execute()
    {
        // Read before SetResult: the caller may consume the answer inside it, and the object is not ours after that
        // but for the holds we still have.
        var holds = CompleterHold + _disarmedHolds;
        if (_exception is { } exception)
        {
            _core.SetException(exception);
        }
        else
        {
            _core.SetResult(_result!);
        }

        // Last touch of the completer.
        ReleaseHolds(holds);
    }

    /// <summary>Disarms the timeout and the caller's token (the winner of the completed bit). The holds of those that
    /// can no longer fire end with the completer's, in one step (<see cref="_disarmedHolds"/>); one that fires (or
    /// fired) meanwhile ends its own at the end of its callback.</summary>
    private void Disarm()
    {
        var ended = 0;
        if (_timerArmed)
        {
            _timerArmed = false;
            if (Seam.CancelTimer(this))
            {
                ended++;
            }
        }
        else if (_timeout != Timeout.InfiniteTimeSpan && RequestDeadlines.Remove(this))
        {
            ended++;
        }

        // Unregister, not Dispose: Dispose would wait for a callback that may be the one completing us. When it
        // returns false the callback runs (or ran) and ends the registration's hold itself.
        if (_callerToken.CanBeCanceled && _callerRegistration.Unregister())
        {
            ended++;
        }

        _disarmedHolds = ended;
    }

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}
