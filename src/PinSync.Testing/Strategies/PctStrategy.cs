using PinSync.Testing.Engine;

namespace PinSync.Testing.Strategies;

/// <summary>
/// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).
/// </summary>
/// <remarks>
/// Implementation notes. <see cref="_priorities"/> lists operation ids from the highest priority to the lowest; a new
/// operation is inserted at a uniformly random position (the paper's random initial priorities, extended to
/// operations created on the fly). The timer is a pseudo-operation with its own random priority: when it outranks
/// every enabled operation, the earliest pending timeout fires early. Each iteration draws depth − 1 change points
/// uniformly in [1, k], where k is the largest number of decisions seen in an iteration so far (at least 8); when
/// the decision counter reaches a change point, the operation that would run is moved to the lowest priority. A
/// spin yield also moves the spinner to the lowest priority, so spin loops do not starve the operation they wait
/// for. With fault injection on, each iteration also draws a fault point in [1, k] (at the first decision that
/// offers a fault, so that runs without faults keep their schedules); the first decision at or after it that offers
/// fault candidates injects one into the parked operation of highest priority — a change point for faults.
/// </remarks>
internal sealed class PctStrategy : Strategy
{
    private readonly int _depth;
    private readonly List<int> _priorities = [];
    private readonly List<int> _changePoints = [];
    private SplitMix64 _random;
    private int _maxDecisions = 8;
    private int _faultPoint = -1;

    internal PctStrategy(int depth) => _depth = depth;

    internal override Strategy Fresh() => new PctStrategy(_depth);

    internal override bool BeginIteration(int iteration, ulong seed)
    {
        _random = new SplitMix64(seed);
        _priorities.Clear();
        _priorities.Add(Decision.TimerCandidate);
        _changePoints.Clear();
        _faultPoint = -1;
        for (var i = 1; i < _depth; i++)
        {
            _changePoints.Add(1 + _random.Next(_maxDecisions));
        }

        return true;
    }

    internal override void OnOperationCreated(int operationId) =>
        _priorities.Insert(_random.Next(_priorities.Count + 1), operationId);

    internal override void OnYield(int operationId) => Demote(operationId);

    internal override int Choose(in Decision decision)
    {
        if (decision.FaultCount > 0)
        {
            if (_faultPoint < 0)
            {
                _faultPoint = 1 + _random.Next(_maxDecisions);
            }

            if (decision.Step + 1 >= _faultPoint)
            {
                _faultPoint = int.MaxValue; // one fault point per iteration
                var faults = decision.Candidates.Slice(decision.OperationCount, decision.FaultCount);
                var target = HighestParked(faults);
                return decision.OperationCount + target;
            }
        }

        var chosen = Highest(decision.Candidates);
        if (_changePoints.Contains(decision.Step + 1))
        {
            Demote(decision.Candidates[chosen]);
            chosen = Highest(decision.Candidates);
        }

        return chosen;
    }

    internal override void EndIteration(int decisions) => _maxDecisions = Math.Max(_maxDecisions, decisions);

    /// <inheritdoc />
    public override string ToString() => $"pct({_depth})";

    private int Highest(ReadOnlySpan<int> candidates)
    {
        var best = -1;
        var bestRank = int.MaxValue;
        for (var i = 0; i < candidates.Length; i++)
        {
            var rank = _priorities.IndexOf(candidates[i]);
            if (rank >= 0 && rank < bestRank)
            {
                best = i;
                bestRank = rank;
            }
        }

        return best < 0 ? 0 : best;
    }

    /// <summary>Among fault candidates (negated ids), the index of the one whose operation has the highest priority.</summary>
    private int HighestParked(ReadOnlySpan<int> faults)
    {
        var best = 0;
        var bestRank = int.MaxValue;
        for (var i = 0; i < faults.Length; i++)
        {
            var rank = _priorities.IndexOf(-faults[i]);
            if (rank >= 0 && rank < bestRank)
            {
                best = i;
                bestRank = rank;
            }
        }

        return best;
    }

    private void Demote(int operationId)
    {
        if (_priorities.Remove(operationId))
        {
            _priorities.Add(operationId);
        }
    }
}
