using System.Diagnostics.CodeAnalysis;
using System.Threading.Tasks.Sources;
using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// A grain call: the caller awaits it as a <see cref="ValueTask{TResult}"/> (it is the value-task source), the
/// activation runs it, and whichever comes first of result, timeout and caller cancellation completes it.
/// </summary>
/// <remarks>
/// <para>Implementation notes. <see cref="_completed"/> goes from 0 to 1 once, by whoever completes the caller
/// (the grain's result, the timeout timer, the caller's token); the losers do nothing. Completion disarms the
/// timeout and the caller-token registration. A caller never resumes inside the callee's turn: a grain caller
/// awaits on its own activation's context, so the value-task source posts its continuation there and completion
/// runs inline; any other caller (plain code, a test body, <c>AsTask()</c>) is resumed by a work item queued through
/// the scheduling seam (<see cref="Execute"/>), so under the explorer that hop is a controlled operation too.</para>
/// <para>The grain method's <see cref="CancellationToken"/> is the caller's token, or — when the method takes a
/// token and there is a finite timeout — a source that the caller's cancellation and the timeout both cancel. That
/// source has no timer of its own, so it is never disposed.</para>
/// <para>The timeout is enforced by the runtime's <see cref="RequestDeadlines"/> sweep (under the explorer, by a
/// seam timer of the request's own); either way it ends in <see cref="OnFire"/>.</para>
/// <para>Not pooled: one allocation per call. How the grain is called is up to the subclass: through reflection
/// (<see cref="ReflectionRequest{TResult}"/>, the <c>DispatchProxy</c> path) or through a typed delegate
/// (<see cref="TypedRequest{TArgs, TResult}"/>, the path of generated references).</para>
/// </remarks>
/// <typeparam name="TResult">The method's result (<see cref="Unit"/> for methods without one).</typeparam>
[SuppressMessage("Design", "CA1001", Justification = "False positive: the token source has no timer and no wait " +
    "handle, so it holds nothing to release; disposing it would race with the timeout and the caller's cancellation.")]
internal abstract class Request<TResult> : Request, IValueTaskSource<TResult>, IValueTaskSource, IThreadPoolWorkItem
{
    private static readonly Action<object?> s_onCallerCanceled = static state => ((Request<TResult>)state!).OnCallerCanceled();

    private readonly CancellationToken _callerToken;
    private ManualResetValueTaskSourceCore<TResult> _core;
    private CancellationTokenSource? _grainCancellation;
    private CancellationTokenRegistration _callerRegistration;
    private TimeSpan _timeout;
    private bool _timerArmed;
    private object? _target;

    // 0 = the caller waits, 1 = the caller has its answer.
    private int _completed;

    // The answer, kept for Execute when completion is handed to a work item.
    private TResult? _result;
    private Exception? _exception;

    protected Request(RequestShape shape, CallChainNode? callerChain, CancellationToken callerToken)
        : base(shape, callerChain) => _callerToken = callerToken;

    /// <summary><c>IAccount.Deposit</c>, for messages.</summary>
    protected abstract string DisplayName { get; }

    /// <summary>Whether the grain method takes a <see cref="CancellationToken"/>.</summary>
    protected abstract bool TakesCancellationToken { get; }

    /// <summary>Calls the grain method (may throw synchronously).</summary>
    protected abstract ValueTask<TResult> InvokeGrain(Grain grain, CancellationToken token);

    /// <inheritdoc />
    internal override bool IsCompleted => Volatile.Read(ref _completed) != 0;

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
            // Runs the callback at once if the token is cancelled already.
            _callerRegistration = _callerToken.UnsafeRegister(s_onCallerCanceled, this);
        }
    }

    /// <inheritdoc />
    internal override void Fail(Exception exception) => TrySetException(exception);

    /// <inheritdoc />
    internal override bool Invoke(Grain grain, Activation activation)
    {
        var token = _grainCancellation?.Token ?? _callerToken;
        ValueTask<TResult> pending;
        try
        {
            pending = InvokeGrain(grain, token);
        }
        catch (Exception exception)
        {
            TrySetException(exception);
            return true;
        }

        if (pending.IsCompletedSuccessfully)
        {
            TrySetResult(pending.Result);
            return true;
        }

        _ = AwaitAsync(pending, activation);
        return false;
    }

    private async Task AwaitAsync(ValueTask<TResult> pending, Activation activation)
    {
        // Started inside a turn: the await resumes on the activation's context, so the finally runs in a turn too.
        try
        {
            TrySetResult(await pending);
        }
        catch (Exception exception)
        {
            TrySetException(exception);
        }
        finally
        {
            activation.OnRequestFinished(this);
        }
    }

    /// <summary>The timeout: the caller fails with <see cref="TimeoutException"/>, the grain method's token fires.</summary>
    protected override void OnFire()
    {
        TrySetException(new TimeoutException(SR.RequestTimedOut(DisplayName, _target, _timeout)));
        CancelGrainToken();
    }

    private void OnCallerCanceled()
    {
        TrySetException(new OperationCanceledException(_callerToken));
        CancelGrainToken();
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
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            Disarm();
            _result = result;
            Publish();
        }
    }

    private void TrySetException(Exception exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            Disarm();
            _exception = exception;
            Publish();
        }
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

    /// <summary>Hands the answer to the caller (runs its continuation unless it captured a context).</summary>
    public void Execute()
    {
        if (_exception is { } exception)
        {
            _core.SetException(exception);
        }
        else
        {
            _core.SetResult(_result!);
        }
    }

    private void Disarm()
    {
        // A timer that is firing right now is not cancelled (it lost the race on _completed and does nothing).
        if (_timerArmed)
        {
            Seam.CancelTimer(this);
        }
        else
        {
            RequestDeadlines.Remove(this);
        }

        // Unregister, not Dispose: Dispose would wait for a callback that may be the one completing us.
        _callerRegistration.Unregister();
    }

    /// <inheritdoc />
    public TResult GetResult(short token) => _core.GetResult(token);

    /// <inheritdoc />
    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}
