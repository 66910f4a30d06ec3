using Microsoft.Extensions.Logging;
using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// A grain timer: its ticks are requests of its activation, so they run as turns and obey the reentrancy predicate
/// (unless the timer interleaves). The next period is armed only when a tick has finished, so ticks never overlap.
/// </summary>
/// <remarks>
/// <para>Implementation notes. The timer is its own seam timer (due time and period on the seam's clock, virtual
/// under the explorer) and its own request (one object for the timer's whole life). <see cref="OnFire"/> runs on the
/// timer thread (or as a controlled operation) and only posts the tick. <see cref="_disposed"/> is set once; a tick
/// already queued then is skipped, and a tick running then does not re-arm.</para>
/// <para>Thread safety: <see cref="Dispose"/> may be called from any thread, any number of times.</para>
/// </remarks>
internal sealed partial class GrainTimer : Request, IGrainTimer
{
    private readonly Func<CancellationToken, Task> _callback;
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _keepAlive;

    // Turn-confined: the period, whether the seam timer is registered (or fired and its Queue turn pending), whether
    // a tick is queued or running, and a due time set by Change meanwhile.
    private TimeSpan _period;
    private bool _armed;
    private bool _ticking;
    private TimeSpan? _changedDue;

    // 0 = live, 1 = disposed.
    private int _disposed;

    internal GrainTimer(Activation activation, Func<CancellationToken, Task> callback, TimeSpan period, bool interleave, bool keepAlive = false)
        : base(new RequestShape("timer:" + callback.Method.Name, interleave, IsReadOnly: false), callerChain: null)
    {
        Activation = activation;
        _callback = callback;
        _period = period;
        _keepAlive = keepAlive;
    }

    /// <summary>The activation the timer belongs to.</summary>
    internal Activation Activation { get; }

    /// <inheritdoc />
    internal override bool IsCall => false;

    /// <inheritdoc />
    internal override bool IsCompleted => Volatile.Read(ref _disposed) != 0;

    /// <summary>Arms the first tick.</summary>
    internal void Arm(TimeSpan dueTime)
    {
        _armed = dueTime != Timeout.InfiniteTimeSpan;

        if (_armed)
        {
            Seam.RegisterTimer(this, Seam.NowTicks() + dueTime.Ticks);
        }
    }

    /// <inheritdoc />
    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "The due time must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        if (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive or Timeout.InfiniteTimeSpan.");
        }

        ObjectDisposedException.ThrowIf(IsCompleted, this);
        if (ActivationScheduler.Running != Activation.Scheduler)
        {
            throw new InvalidOperationException(SR.NotInTurn);
        }

        _period = period;
        if (_ticking || (_armed && !Seam.CancelTimer(this)))
        {
            // A tick is in flight (or fired and about to queue): it re-arms when it finishes, with the new due time.
            _changedDue = dueTime;
            return;
        }

        Arm(dueTime);
    }

    /// <summary>Stops the timer: no further tick starts, and the callback's token fires.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Seam.CancelTimer(this);
        _stopping.Cancel();
        Activation.RemoveTimer(this);
    }

    /// <inheritdoc />
    internal override void Fail(Exception exception)
    {
        // Nobody awaits a tick.
    }

    /// <summary>The tick is due: queue it as a turn.</summary>
    protected override void OnFire()
    {
        if (!IsCompleted && !Activation.Scheduler.TryPost(static state => ((GrainTimer)state!).Queue(), this))
        {
            Dispose();
        }

    }

    /// <summary>Queues the tick as a request of the activation (turn, so <see cref="_ticking"/> stays turn-confined).</summary>
    private void Queue()
    {
        _armed = false;
        if (IsCompleted || _ticking)
        {
            return;
        }

        _ticking = true;
        if (!Activation.TrySend(this))
        {
            Dispose();
        }
    }

    /// <inheritdoc />
    internal override bool Invoke(Grain grain, Activation activation)
    {
        Task pending;
        try
        {
            pending = _callback(_stopping.Token);
        }
        catch (Exception exception)
        {
            LogTickFailed(activation.Runtime.Logger, exception, activation.Name);
            return true;
        }

        if (pending.IsCompleted)
        {
            Observe(pending, activation);
            return true;
        }

        _ = AwaitAsync(pending, activation);
        return false;
    }

    /// <summary>Re-arms for the next period (inside the turn that finished the tick).</summary>
    internal override void OnFinished(Activation activation)
    {
        _ticking = false;
        if (_keepAlive)
        {
            activation.MarkActive();
        }

        var next = _changedDue ?? _period;
        _changedDue = null;
        if (!IsCompleted)
        {
            Arm(next);
        }
    }

    private async Task AwaitAsync(Task pending, Activation activation)
    {
        try
        {
            await pending;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            LogTickFailed(activation.Runtime.Logger, exception, activation.Name);
        }
        catch (OperationCanceledException)
        {
            // Stopped while the tick ran.
        }
        finally
        {
            activation.OnRequestFinished(this);
        }
    }

    private void Observe(Task completed, Activation activation)
    {
        if (completed.Exception is { } failure && !_stopping.IsCancellationRequested)
        {
            LogTickFailed(activation.Runtime.Logger, failure.InnerException ?? failure, activation.Name);
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "A timer tick of {Activation} threw")]
    private static partial void LogTickFailed(ILogger logger, Exception exception, string activation);
}
