using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;
using PinSync.Scheduling;
using CoyotePoint = Microsoft.Coyote.Runtime.SchedulingPoint;

namespace PinSync.Coyote;

/// <summary>
/// PinSync's scheduling seam on Coyote's controlled runtime: scheduling points become Coyote scheduling points, a
/// park pauses the Coyote operation until its permit is set, async completions and timers run as controlled
/// operations, and the clock is virtual, advanced only when Coyote lets a timer fire.
/// </summary>
/// <remarks>
/// <para>
/// Coyote runs each operation on a thread it creates, so the controller is activated for every thread
/// (<see cref="SchedulingController.ActivateForEveryThread"/>). Only one operation runs at a time under Coyote; the
/// lock below only guards against a stray uncontrolled thread.
/// </para>
/// <para>
/// This assembly must never be rewritten by <c>coyote rewrite</c>: the seam calls <see cref="Unpark"/>,
/// <see cref="NowTicks"/>, <see cref="CurrentParker"/>, <see cref="QueueWorkItem"/> and the timer members while PinSync
/// holds a spin lock, and none of them may reach a Coyote scheduling point (a rewritten <see langword="lock"/> would
/// be one). The only Coyote scheduling points of the adapter are in <see cref="OnSchedulingPoint"/>, <see cref="Park"/>
/// and the bodies of the operations it creates.
/// </para>
/// </remarks>
internal sealed partial class CoyoteController : SchedulingController
{
    /// <summary>Where the virtual clock starts: not 0, which PinSync reads as "no enqueue time".</summary>
    private const long ClockStart = TimeSpan.TicksPerDay;

    [ThreadStatic]
    private static ThreadState? t_thread;

    private static int s_nextParker;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, ParkerState> _parkers = [];
    private readonly List<TimerEntry> _timers = [];
    private readonly Dictionary<SchedulingTimer, TimerEntry> _timerEntries = new(ReferenceEqualityComparer.Instance);

    private long _now = ClockStart;
    private long _timerSequence;
    private int _generation;
    private volatile bool _ending;

    /// <summary>The iteration number: thread state of an older iteration is stale.</summary>
    internal int Generation => Volatile.Read(ref _generation);

    /// <inheritdoc />
    public override int CurrentParker => Thread().Parker;

    /// <inheritdoc />
    public override long NowTicks => Volatile.Read(ref _now);

    /// <inheritdoc />
    public override bool IsEnding => _ending;

    /// <summary>Resets every per-iteration state: called at the start of each test iteration, before the body.</summary>
    internal void BeginIteration()
    {
        lock (_lock)
        {
            _generation++;
            _parkers.Clear();
            _timers.Clear();
            _timerEntries.Clear();
            _now = ClockStart;
            _ending = false;
        }
    }

    /// <inheritdoc />
    public override void OnSchedulingPoint(SchedulingPointKind kind, nint resource, string? operation)
    {
        if (kind == SchedulingPointKind.Yield)
        {
            CoyotePoint.Yield();
        }
        else
        {
            CoyotePoint.Interleave();
        }
    }

    /// <inheritdoc />
    public override bool Park(int parker, long deadlineTicks, nint resource, string? operation)
    {
        var thread = Thread();
        if (thread.InterruptPending)
        {
            thread.InterruptPending = false;
            throw new ThreadInterruptedException("PinSync.Coyote: an interrupt kept pending for this operation ended its wait.");
        }

        var state = Parker(parker);
        if (state.Permit)
        {
            state.Permit = false;
            return true;
        }

        if (_ending)
        {
            throw new ThreadInterruptedException("PinSync.Coyote: the Coyote iteration is over; the wait is unwound.");
        }

        TimerEntry? timeout = null;
        state.TimedOut = false;
        if (deadlineTicks != long.MaxValue)
        {
            if (deadlineTicks <= NowTicks)
            {
                return false;
            }

            timeout = AddTimer(deadlineTicks, timer: null, state);
        }

        Operation.PauseUntil(() => state.Permit || state.TimedOut);
        if (state.Permit)
        {
            state.Permit = false;
            if (timeout is not null && !Cancel(timeout))
            {
                // The timeout fired in the same step as the unpark: the permit wins, the stale flag goes.
                state.TimedOut = false;
            }

            return true;
        }

        if (state.TimedOut)
        {
            state.TimedOut = false;
            return false;
        }

        // PauseUntil returned with the condition still false: Coyote has stopped the iteration (a bug was found, the
        // step bound was hit) or this thread is no operation of Coyote's. Unwind the wait, as the explorer does.
        _ending = true;
        throw new ThreadInterruptedException(
            "PinSync.Coyote: a park returned without a permit: the Coyote iteration has ended, or the parking thread is "
            + "not a controlled operation (concurrency Coyote does not see).");
    }

    /// <inheritdoc />
    public override void Unpark(int parker) => Parker(parker).Permit = true;

    /// <inheritdoc />
    public override void OnInterruptPending() => Thread().InterruptPending = true;

    /// <summary>Reports an exception that escaped a controlled operation the adapter runs.</summary>
    private static void Fail(string what, Exception exception) =>
        Specification.Assert(false, "PinSync.Coyote: {0} threw {1}", what, exception);

    private ThreadState Thread()
    {
        var generation = Generation;
        if (t_thread is not { } thread || thread.Generation != generation)
        {
            // Negative ids, as the seam expects of a controller; they wrap after 2^30 threads, long after any use of one.
            thread = new ThreadState(generation, -1 - (Interlocked.Increment(ref s_nextParker) & 0x3FFF_FFFF));
            t_thread = thread;
        }

        return thread;
    }

    private ParkerState Parker(int parker)
    {
        lock (_lock)
        {
            if (!_parkers.TryGetValue(parker, out var state))
            {
                state = new ParkerState();
                _parkers.Add(parker, state);
            }

            return state;
        }
    }

    /// <summary>A parker's permit and timeout flags; read by Coyote's pause condition.</summary>
    private sealed class ParkerState
    {
        private volatile bool _permit;
        private volatile bool _timedOut;

        public bool Permit { get => _permit; set => _permit = value; }

        public bool TimedOut { get => _timedOut; set => _timedOut = value; }
    }

    /// <summary>What the adapter keeps per thread (one Coyote operation runs on one thread at a time).</summary>
    private sealed class ThreadState(int generation, int parker)
    {
        public int Generation { get; } = generation;

        public int Parker { get; } = parker;

        public bool InterruptPending { get; set; }
    }
}
