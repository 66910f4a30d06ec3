namespace PinSync.Testing;

/// <summary>How an <see cref="Explorer"/> run explores: how many iterations, with which strategy and seed, and its
/// limits.</summary>
/// <remarks>An options object is read at the start of a run and never changed by it; it may be shared.</remarks>
public sealed class ExplorerOptions
{
    /// <summary>The default of <see cref="MaxSteps"/>.</summary>
    public const int DefaultMaxSteps = 10_000;

    /// <summary>The number of iterations (schedules) to run at most; the run stops earlier at the first bug, when an
    /// exhaustive strategy covered its space, or when <see cref="TimeBudget"/> is spent. Default 1000.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int Iterations
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 1000;

    /// <summary>The strategy; default <see cref="Strategy.Pct(int)"/> with depth 3.</summary>
    public Strategy Strategy { get; init; } = Strategy.Pct(3);

    /// <summary>The base seed; <see langword="null"/> (the default) draws one from the clock. The report gives the
    /// seed used; iteration seeds are derived from it by a mixer.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Scheduling steps one iteration may take before it is reported as a livelock. Default
    /// <see cref="DefaultMaxSteps"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxSteps
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = DefaultMaxSteps;

    /// <summary>A wall-clock budget for the whole run: when it is spent, the run stops after the current iteration
    /// and reports no bug. <see langword="null"/> (the default): no budget.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>
    /// Wall-clock time an operation may run without reaching a scheduling point before the run reports
    /// <see cref="BugKind.Hang"/> (it blocked outside the explorer's control, or looped without a scheduling point).
    /// Default 10 seconds. This is the one wall-clock limit of the explorer; it never decides a schedule.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan HangTimeout
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Fault injection: the strategy may end a parked operation's wait with an exception — at any park point of a
    /// blocking wait — as <see cref="Thread.Interrupt"/> or a throwing callback would. Each injection is a decision of
    /// the schedule: it is recorded in the trace and replayed exactly. An injected exception that escapes a flow cuts
    /// the flow short without being a bug (the flow's task completes); what is checked is that the primitives come out
    /// whole (<see cref="CheckInvariants"/>). Default <see cref="FaultInjection.None"/>.
    /// </summary>
    public FaultInjection Faults { get; init; }

    /// <summary>How many faults one iteration may inject at most (with <see cref="Faults"/> on). Default 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxFaultsPerIteration
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 1;

    /// <summary>
    /// Whether every primitive created during an iteration (<see cref="PinnedMutex{T}"/>, <see cref="PinnedSemaphore"/>,
    /// <see cref="CondVar"/>, <see cref="WaitQueue"/>) is checked after it, also after the teardown of a failed
    /// schedule: wait lists well-formed (each link's neighbours point back at it, lengths match the counts), nobody
    /// queued, mutexes free, semaphores conserved (count = initial + released − handed to callers) with no permit still
    /// held. A broken invariant is
    /// <see cref="BugKind.InvariantViolation"/>. <see langword="null"/> (the default): on when <see cref="Faults"/> is
    /// on. A program that ends an iteration holding a mutex or a permit on purpose turns it off.
    /// </summary>
    public bool? CheckInvariants { get; init; }

    /// <summary>Receives the number of completed iterations about ten times a second, on the thread that called
    /// <see cref="Explorer.Run(Func{Task}, ExplorerOptions?)"/>. Optional.</summary>
    public IProgress<int>? Progress { get; init; }
}
