using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// The turn queue of one activation (Orleans' <c>WorkItemGroup</c>, made local): a FIFO of work items that run one
/// at a time, never on two threads at once. It is also the activation's <see cref="SynchronizationContext"/>, so
/// every <c>await</c> in grain code posts its continuation back here and resumes as a new turn of the same
/// activation.
/// </summary>
/// <remarks>
/// <para>Implementation notes. <see cref="_state"/> is <c>Waiting</c> (empty, not scheduled), <c>Runnable</c>
/// (handed to the scheduling seam once, not yet running) or <c>Running</c> (one thread drains the queue). Only the
/// thread that moves the state from <c>Waiting</c> to <c>Runnable</c> queues the scheduler, so at most one
/// <see cref="Execute"/> runs at a time: that is the whole of turn exclusivity. The queue, the state and
/// <see cref="_closed"/> are guarded by one small <see cref="Lock"/>; work items run outside it.</para>
/// <para>Draining: <see cref="Execute"/> runs items until the queue is empty or the turn quantum is used up, then
/// yields the thread and queues itself again (fairness between activations on a small pool). The quantum is read
/// on the seam's clock, so under the explorer (virtual time) a drain is deterministic.</para>
/// <para>Dispatch goes through <see cref="Seam.QueueWorkItem"/>: in production the thread pool (local queue when
/// posted from a pool thread), under the explorer a new controlled operation. Between two items the drain passes a
/// <see cref="SchedulingPointKind.Dispatch"/> point, where the explorer may switch to another operation.</para>
/// <para>Closing (deactivation) refuses new requests (<see cref="TryPost"/>) but never continuations
/// (<see cref="Post"/>): dropping a continuation would leave an <c>await</c> hanging.</para>
/// <para>Thread safety: every member may be called from any thread.</para>
/// </remarks>
internal sealed partial class ActivationScheduler : SynchronizationContext, IThreadPoolWorkItem
{
    private const int StateWaiting = 0;
    private const int StateRunnable = 1;
    private const int StateRunning = 2;

    [ThreadStatic]
    private static ActivationScheduler? t_running;

    private readonly Lock _lock = new();

    // Guarded by _lock.
    private readonly Queue<WorkItem> _queue = new();

    // Waiting, Runnable or Running; guarded by _lock.
    private int _state;

    // Set once by Close; guarded by _lock.
    private bool _closed;

    private readonly GrainRuntime _runtime;
    private readonly string _name;

    internal ActivationScheduler(GrainRuntime runtime, string name)
    {
        _runtime = runtime;
        _name = name;
    }

    /// <summary>The scheduler whose turn runs on the current thread, if any.</summary>
    internal static ActivationScheduler? Running => t_running;

    /// <summary>Queues a work item unless the scheduler is closed.</summary>
    /// <returns><see langword="false"/> when closed (the activation is gone; the caller goes elsewhere).</returns>
    internal bool TryPost(SendOrPostCallback callback, object? state) => Enqueue(callback, state, force: false);

    /// <summary>Queues a continuation of grain code as a turn (always accepted, even after <see cref="Close"/>).</summary>
    /// <param name="d">The continuation.</param>
    /// <param name="state">Its state.</param>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        Enqueue(d, state, force: true);
    }

    /// <summary>Runs <paramref name="d"/> inline when called from this scheduler's own turn; blocking sends from
    /// other threads are not supported (they would block a thread on a queue that may need that very thread).</summary>
    /// <param name="d">The callback.</param>
    /// <param name="state">Its state.</param>
    /// <exception cref="NotSupportedException">Called from outside this scheduler's turns.</exception>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (t_running != this)
        {
            throw new NotSupportedException(SR.SendNotSupported);
        }

        d(state);
    }

    /// <inheritdoc />
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Refuses further <see cref="TryPost"/>s; items already queued still run.</summary>
    internal void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }

    private bool Enqueue(SendOrPostCallback callback, object? state, bool force)
    {
        bool schedule;
        lock (_lock)
        {
            if (_closed && !force)
            {
                return false;
            }

            _queue.Enqueue(new WorkItem(callback, state));
            schedule = _state == StateWaiting;
            if (schedule)
            {
                _state = StateRunnable;
            }
        }

        // Outside the lock: the seam may run the controller, which may switch operations.
        if (schedule)
        {
            Seam.QueueWorkItem(this);
        }

        return true;
    }

    /// <summary>Drains the queue until it is empty or the quantum is used up (one thread at a time, see remarks).</summary>
    public void Execute()
    {
        Debug.Assert(t_running is null, "An activation turn never runs inside another activation's turn.");
        var previousContext = SynchronizationContext.Current;
        t_running = this;
        SetSynchronizationContext(this);
        try
        {
            Drain();
        }
        finally
        {
            t_running = null;
            SetSynchronizationContext(previousContext);
        }
    }

    private void Drain()
    {
        var now = Seam.NowTicks();
        var quantumEnd = now + _runtime.TurnQuantumTicks;
        while (true)
        {
            WorkItem item;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out item))
                {
                    _state = StateWaiting;
                    return;
                }

                _state = StateRunning;
            }

            var start = now;
            try
            {
                item.Callback(item.State);
            }
            catch (Exception exception)
            {
                // Requests complete their callers themselves; what escapes here is an async void or a bug.
                LogTurnFailed(_runtime.Logger, exception, _name);
            }

            now = Seam.NowTicks();
            OnTurnEnded(now - start);
            if (now >= quantumEnd)
            {
                YieldThread();
                return;
            }

            Seam.Point(SchedulingPointKind.Dispatch, 0, "turn");
        }
    }

    private void OnTurnEnded(long elapsedTicks)
    {
        _runtime.Metrics.RecordTurn(elapsedTicks);
        if (elapsedTicks >= _runtime.LongTurnTicks)
        {
            LogLongTurn(_runtime.Logger, _name, TimeSpan.FromTicks(elapsedTicks));
        }
    }

    private void YieldThread()
    {
        lock (_lock)
        {
            if (_queue.Count == 0)
            {
                _state = StateWaiting;
                return;
            }

            _state = StateRunnable;
        }

        Seam.QueueWorkItem(this);
    }

    /// <summary>A queued callback (a request arrival, a lifecycle step or a continuation of grain code).</summary>
    private readonly record struct WorkItem(SendOrPostCallback Callback, object? State);

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "A turn of {Activation} threw")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string activation);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "A turn of {Activation} ran for {Duration}; long turns block the activation and a pool thread")]
    private static partial void LogLongTurn(ILogger logger, string activation, TimeSpan duration);
}
