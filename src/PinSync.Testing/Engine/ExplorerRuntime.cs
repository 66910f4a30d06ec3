using System.Diagnostics;
using System.Globalization;
using PinSync.Scheduling;

namespace PinSync.Testing.Engine;

/// <summary>
/// The controlled scheduler behind <see cref="Explorer"/>: one instance per run, attached to the scheduling seam.
/// </summary>
/// <remarks>
/// <para><b>Implementation notes.</b></para>
/// <para><b>Operations and the baton.</b> Exactly one operation runs at a time. The body, each spawned function, each
/// continuation posted to the <see cref="ExplorerSynchronizationContext"/>, each work item queued through the seam
/// and each timer that fires is an <see cref="Operation"/>. A started operation is bound to a pooled
/// <see cref="Worker"/> thread until it finishes, because it may block (a seam park blocks its thread). The right to
/// run — the baton — moves from thread to thread through the workers' gates; the thread that holds it is the only
/// one that touches the scheduler's state, so that state has no locks. There is no scheduler thread: the running
/// operation makes each decision itself, at its scheduling point, and hands over directly.</para>
/// <para><b>Cheap hand-offs.</b> When an operation finishes and the next one has not started yet (the common case
/// for continuations, work items and timers), the same thread runs it without any hand-off; iterations also follow
/// each other on the thread that finished the last one, so the driver thread (the caller of
/// <see cref="Explorer.Run(Func{Task}, ExplorerOptions?)"/>) sleeps for the whole run.</para>
/// <para><b>Decisions.</b> At every scheduling point, park, spawn and completion, the enabled operations (in id
/// order) and — when a timeout is pending — the timer pseudo-candidate are put to the <see cref="Strategy"/>;
/// decisions with two or more candidates are recorded for the trace. A spin yield removes the spinner from the
/// candidates when anyone else can run (or a timer could fire). When nothing can run and the body is unfinished,
/// the virtual clock jumps to the earliest timeout; when nothing can run and no timer is pending, the iteration
/// ends: a deadlock, unfinished operations, or success.</para>
/// <para><b>Teardown.</b> After a bug, the running operation unwinds (an <see cref="ExplorerAbortedException"/>; seam
/// points become no-ops so that finally blocks complete). Then the thread that saw it finish becomes the teardown
/// coordinator: it resumes each other started operation in turn with the same exception and waits until it has
/// unwound, before the run ends — so no code of an abandoned iteration runs after the run, or concurrently with
/// anything. Operations that never started are dropped.</para>
/// </remarks>
internal sealed partial class ExplorerRuntime : SchedulingController, IDisposable
{
    /// <summary>Where the virtual clock starts (one day), so that "now minus timeout" never goes below zero.</summary>
    internal const long ClockOrigin = TimeSpan.TicksPerDay;

    private static readonly TimeSpan s_teardownTimeout = TimeSpan.FromSeconds(5);

    private readonly Func<Task> _body;
    private readonly Strategy _strategy;
    private readonly int _maxIterations;
    private readonly int _maxSteps;
    private readonly ulong _seed;
    private readonly TimeSpan? _timeBudget;
    private readonly TimeSpan _hangTimeout;
    private readonly IProgress<int>? _progress;
    private readonly ExplorerSynchronizationContext _context;
    private readonly SemaphoreSlim _runDone = new(0);
    private readonly Lock _bugLock = new();
    private readonly Stopwatch _stopwatch = new();
    private readonly List<Operation> _operations = [];
    private readonly List<Operation> _live = [];
    private readonly List<Flow> _flows = [];
    private readonly List<PendingTimer> _timers = [];
    private readonly List<int> _decisions = [];
    private readonly List<int> _candidates = [];
    private readonly ScheduleLog _log = new();

    private int _iteration;
    private int _steps;
    private long _now = ClockOrigin;
    private int _timerSequence;
    private Operation? _current;
    private bool _bodyDone;
    private bool _aborting;
    private int _maxStepsObserved;
    private long _progressMark;
    private int _completedIterations;
    private volatile bool _finished;
    private string? _uncontrolled;
    private BugKind _bugKind;
    private string? _bugMessage;
    private Exception? _bugException;
    private Worker? _teardownCoordinator;
    private string? _teardownNote;

    internal ExplorerRuntime(Func<Task> body, ExplorerOptions options, Strategy strategy, ulong seed)
    {
        _body = body;
        _strategy = strategy;
        _maxIterations = options.Iterations;
        _maxSteps = options.MaxSteps;
        _seed = seed;
        _timeBudget = options.TimeBudget;
        _hangTimeout = options.HangTimeout;
        _progress = options.Progress;
        _context = new ExplorerSynchronizationContext(this);
        ConfigureFaults(options);
    }

    /// <summary>The runtime of the operation running on the current thread, if any.</summary>
    internal static ExplorerRuntime? Running =>
        Worker.Current?.Operation?.Runtime is { _finished: false } runtime ? runtime : null;

    /// <inheritdoc />
    public void Dispose()
    {
        // A hung run leaves a thread that may still come back and signal; it keeps the semaphore.
        if (!_threadAbandoned)
        {
            _runDone.Dispose();
        }
    }

    /// <summary>Virtual time since the iteration started.</summary>
    internal TimeSpan Elapsed => TimeSpan.FromTicks(_now - ClockOrigin);

    /// <summary>Runs the exploration on worker threads; the calling thread waits (and reports progress).</summary>
    internal ExplorerReport Execute()
    {
        _stopwatch.Start();
        if (!_strategy.BeginIteration(0, SplitMix64.IterationSeed(_seed, 0)))
        {
            return BuildReport(iterations: 0);
        }

        var body = BeginIteration(0);
        _current = body;
        Worker.Rent().Start(body);
        WaitForRun();
        _stopwatch.Stop();
        return BuildReport(_bugKind == BugKind.None ? _completedIterations : _iteration + 1);
    }

    private void WaitForRun()
    {
        var lastMark = -1L;
        var lastChange = _stopwatch.Elapsed;
        Operation? lastCurrent = null;
        TimeSpan? blockedSince = null;
        var blockedTimeout = _hangTimeout < BlockedTimeout ? _hangTimeout : BlockedTimeout;
        while (!_runDone.Wait(100))
        {
            _progress?.Report(Volatile.Read(ref _completedIterations));
            var mark = Volatile.Read(ref _progressMark);
            var current = Volatile.Read(ref _current);
            var now = _stopwatch.Elapsed;
            if (mark != lastMark || current != lastCurrent)
            {
                lastMark = mark;
                lastCurrent = current;
                lastChange = now;
                blockedSince = null;
                continue;
            }

            // No scheduling step since the last sample. Blocked in a wait (rather than computing) with no bug being
            // torn down: an uncontrolled wait, reported after a short while; anything else is a hang after HangTimeout.
            if (current is not null && _bugKind == BugKind.None && !_aborting && IsBlockedOutsideControl(current))
            {
                blockedSince ??= now;
                if (now - blockedSince.Value >= blockedTimeout)
                {
                    OnBlocked(current, now - lastChange);
                    return;
                }
            }
            else
            {
                blockedSince = null;
            }

            if (now - lastChange >= _hangTimeout)
            {
                OnHang();
                return;
            }
        }

        _progress?.Report(Volatile.Read(ref _completedIterations));
    }

    private void OnHang()
    {
        var stuck = Volatile.Read(ref _current);
        var seconds = _hangTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        SetBug(BugKind.Hang,
            $"Hang: {(stuck is null ? "an operation" : ScheduleLog.Describe(stuck))} ran for {seconds} s of wall-clock time " +
            "without reaching a scheduling point. It loops without a scheduling point (add SchedulingPoint.Yield to spin loops) " +
            "or blocks outside the explorer's control where no wait is visible (real I/O, native code). The stuck thread is abandoned.");
        AbandonRun(stuck);
    }

    private Operation BeginIteration(int iteration)
    {
        _iteration = iteration;
        _operations.Clear();
        _live.Clear();
        _flows.Clear();
        _timers.Clear();
        _decisions.Clear();
        _log.Clear();
        _steps = 0;
        _now = ClockOrigin;
        _timerSequence = 0;
        _bodyDone = false;
        ResetFaults();
        var body = NewOperation(OperationKind.Body);
        body.AsyncBody = _body;
        body.Flow = new Flow(this, body.Id, isBody: true);
        _flows.Add(body.Flow);
        return body;
    }

    private Operation NewOperation(OperationKind kind)
    {
        var operation = new Operation(this, _operations.Count + 1, kind);
        _operations.Add(operation);
        _live.Add(operation);
        _strategy.OnOperationCreated(operation.Id);
        return operation;
    }

    private ExplorerReport BuildReport(int iterations)
    {
        string? trace = null;
        string? readable = null;
        if (_bugKind != BugKind.None)
        {
            try
            {
                trace = TraceCodec.Encode(_strategy.ToString() ?? "?", _seed, _iteration, _maxSteps, _decisions.ToArray(),
                    _faults, _maxFaults, _checkInvariants);
                readable = _log.Format(_operations, BuildNames(), ClockOrigin);
            }
            catch (Exception exception) when (_threadAbandoned && exception is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
            {
                // The hung thread may still be writing the log; the report goes out without it.
            }
        }

        return new ExplorerReport
        {
            Kind = _bugKind,
            Message = _teardownNote is null ? _bugMessage : _bugMessage + " " + _teardownNote,
            Exception = _bugException,
            Trace = trace,
            ReadableTrace = readable,
            Iterations = iterations,
            FailingIteration = _bugKind == BugKind.None ? null : _iteration,
            Seed = _seed,
            Strategy = _strategy.ToString() ?? string.Empty,
            SpaceCovered = _bugKind == BugKind.None && _strategy.SpaceCovered,
            SchedulesExplored = _strategy.IsExhaustive ? _strategy.SchedulesExplored : 0,
            MaxStepsObserved = Math.Max(_maxStepsObserved, _steps),
            VirtualTimeElapsed = Elapsed,
            Elapsed = _stopwatch.Elapsed,
        };
    }

    private ResourceNames BuildNames()
    {
        var extra = new List<(nint, string?)>();
        foreach (var operation in _live)
        {
            extra.Add((operation.WaitResource, operation.WaitOperation));
        }

        foreach (var flow in _flows)
        {
            extra.Add((flow.LastWaitResource, flow.LastWaitOperation));
        }

        return new ResourceNames(_log.Entries, extra);
    }

    private void SetBug(BugKind kind, string message, Exception? exception = null)
    {
        lock (_bugLock)
        {
            if (_bugKind != BugKind.None || _finished)
            {
                return;
            }

            _bugKind = kind;
            _bugMessage = message;
            _bugException = exception;
        }
    }

    /// <summary>Whether the iteration has a bug; folds in uncontrolled access reported by other threads.</summary>
    private bool HasBug()
    {
        if (_bugKind != BugKind.None)
        {
            return true;
        }

        if (Volatile.Read(ref _uncontrolled) is { } what)
        {
            SetBug(BugKind.UncontrolledConcurrency, "Uncontrolled concurrency: " + what + ". " + Advice);
            return true;
        }

        return false;
    }

    /// <summary>Records concurrency the explorer does not control; callable from any thread.</summary>
    internal void ReportUncontrolled(string what)
    {
        if (!_finished)
        {
            Interlocked.CompareExchange(ref _uncontrolled, what, null);
        }
    }
}
