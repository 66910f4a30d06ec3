using PinSync.Testing.Engine;

namespace PinSync.Testing.Strategies;

/// <summary>
/// Replays the decisions of a trace, one per step. Implementation notes: a decision names the chosen operation by
/// id (ids are handed out in creation order, so they are stable across runs of a deterministic program); when the
/// recorded operation is not among the candidates, or the trace runs out while the program still needs decisions,
/// the replay fails and <see cref="Error"/> names the step.
/// </summary>
internal sealed class ReplayStrategy : Strategy
{
    private readonly int[] _decisions;
    private readonly string _name;
    private int _position;
    private string? _error;

    internal ReplayStrategy(int[] decisions, string name)
    {
        _decisions = decisions;
        _name = name;
    }

    /// <summary>The number of recorded decisions not consumed yet.</summary>
    internal int Remaining => _decisions.Length - _position;

    internal override string? Error => _error;

    internal override Strategy Fresh() => new ReplayStrategy(_decisions, _name);

    internal override bool BeginIteration(int iteration, ulong seed)
    {
        _position = 0;
        return iteration == 0;
    }

    internal override int Choose(in Decision decision)
    {
        if (_position >= _decisions.Length)
        {
            _error = $"the trace ended after {_decisions.Length} decisions, but the program reached decision {decision.Step + 1} " +
                $"(candidates {TraceCodec.DescribeCandidates(decision.Candidates)})";
            return -1;
        }

        var expected = _decisions[_position++];
        var index = decision.Candidates.IndexOf(expected);
        if (index < 0)
        {
            _error = $"decision {decision.Step + 1}: the trace chose {TraceCodec.DescribeCandidate(expected)}, but the candidates " +
                $"are {TraceCodec.DescribeCandidates(decision.Candidates)}";
        }

        return index;
    }

    /// <inheritdoc />
    public override string ToString() => $"replay of {_name}";
}
