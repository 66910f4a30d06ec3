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

    /// <summary>Receives the number of completed iterations about ten times a second, on the thread that called
    /// <see cref="Explorer.Run(Func{Task}, ExplorerOptions?)"/>. Optional.</summary>
    public IProgress<int>? Progress { get; init; }
}
