using PinSync.Testing.Engine;

namespace PinSync.Testing.Strategies;

/// <summary>
/// Uniform random scheduling. Implementation notes: each iteration draws its own generator from the iteration seed
/// and a "timer eagerness" (the probability that a pending timeout fires at a step where operations could still
/// run) from a small menu that includes 0, so that some iterations let every grant race win and others let
/// timeouts fire almost at once. With fault injection on, a "fault eagerness" is drawn the same way (from its own menu,
/// at the first decision that offers a fault, so that runs without faults keep their schedules): the probability
/// that a decision offering fault candidates injects one, uniformly among them.
/// </summary>
internal sealed class RandomStrategy : Strategy
{
    private static readonly double[] s_timerEagerness = [0.0, 0.01, 0.05, 0.25];
    private static readonly double[] s_faultEagerness = [0.02, 0.1, 0.3];

    private SplitMix64 _random;
    private double _eagerness;
    private double _faultEagerness = -1;

    internal override Strategy Fresh() => new RandomStrategy();

    internal override bool BeginIteration(int iteration, ulong seed)
    {
        _random = new SplitMix64(seed);
        _eagerness = s_timerEagerness[_random.Next(s_timerEagerness.Length)];
        _faultEagerness = -1;
        return true;
    }

    internal override int Choose(in Decision decision)
    {
        var count = decision.Candidates.Length;
        if (decision.HasTimer)
        {
            if (_eagerness > 0 && _random.NextDouble() < _eagerness)
            {
                return count - 1;
            }
        }

        var operations = decision.OperationCount;
        if (decision.FaultCount > 0)
        {
            if (_faultEagerness < 0)
            {
                _faultEagerness = s_faultEagerness[_random.Next(s_faultEagerness.Length)];
            }

            if (_random.NextDouble() < _faultEagerness)
            {
                return operations + _random.Next(decision.FaultCount);
            }
        }

        return _random.Next(operations);
    }

    /// <inheritdoc />
    public override string ToString() => "random";
}
