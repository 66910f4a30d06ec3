namespace PinSync.Testing.Engine;

/// <summary>
/// One scheduling decision put to a <see cref="Strategy"/>: the candidates (operation ids in creation order, then
/// <see cref="TimerCandidate"/> when a pending timeout may fire early), and which candidate is the operation that
/// was running and could go on (so that choosing another one is a preemption).
/// </summary>
internal readonly ref struct Decision
{
    /// <summary>The candidate id that stands for "fire the earliest pending timer now".</summary>
    internal const int TimerCandidate = 0;

    internal Decision(ReadOnlySpan<int> candidates, int currentIndex, int step, int faultCount = 0)
    {
        Candidates = candidates;
        CurrentIndex = currentIndex;
        Step = step;
        FaultCount = faultCount;
    }

    /// <summary>Operation ids (ascending), then the fault candidates (the negated ids of parked operations a fault may
    /// be injected into, see <see cref="ExplorerOptions.Faults"/>), then possibly <see cref="TimerCandidate"/>; at
    /// least two entries.</summary>
    internal ReadOnlySpan<int> Candidates { get; }

    /// <summary>How many fault candidates follow the operations.</summary>
    internal int FaultCount { get; }

    /// <summary>How many candidates are operations (they come first).</summary>
    internal int OperationCount => Candidates.Length - FaultCount - (HasTimer ? 1 : 0);

    /// <summary>The index of the running operation when it may continue, -1 when it blocked, finished or yields.</summary>
    internal int CurrentIndex { get; }

    /// <summary>The number of decisions before this one in the iteration.</summary>
    internal int Step { get; }

    /// <summary>Whether the last candidate is the timer.</summary>
    internal bool HasTimer => Candidates[^1] == TimerCandidate;
}
