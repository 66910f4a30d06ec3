using PinSync.Testing.Engine;

namespace PinSync.Testing.Strategies;

/// <summary>
/// Uniform random scheduling. Implementation notes: each iteration draws its own generator from the iteration seed
/// and a "timer eagerness" (the probability that a pending timeout fires at a step where operations could still
/// run) from a small menu that includes 0, so that some iterations let every grant race win and others let
/// timeouts fire almost at once.
/// </summary>
internal sealed class RandomStrategy : Strategy
{
    private static readonly double[] s_timerEagerness = [0.0, 0.01, 0.05, 0.25];

    private SplitMix64 _random;
    private double _eagerness;

    internal override Strategy Fresh() => new RandomStrategy();

    internal override bool BeginIteration(int iteration, ulong seed)
    {
        _random = new SplitMix64(seed);
        _eagerness = s_timerEagerness[_random.Next(s_timerEagerness.Length)];
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

            count--;
        }

        return _random.Next(count);
    }

    /// <inheritdoc />
    public override string ToString() => "random";
}
