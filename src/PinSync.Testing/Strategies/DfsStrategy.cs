using PinSync.Testing.Engine;

namespace PinSync.Testing.Strategies;

/// <summary>
/// Exhaustive depth-first enumeration of schedules under a preemption bound (Musuvathi and Qadeer, PLDI 2007).
/// </summary>
/// <remarks>
/// Implementation notes. The strategy keeps the current path as a stack of <see cref="Node"/>s, one per decision.
/// An iteration replays the stack's choices (checking that the program offers the same candidates; when it does
/// not, the program is not deterministic given its schedule and the run fails) and extends it with first choices
/// below. A node tries the running operation first (no preemption), then the other candidates in creation order;
/// choosing another candidate while the running one could continue costs one preemption, and alternatives that
/// would exceed the bound are skipped. Between iterations the deepest node with an untried, affordable alternative
/// advances and everything below it is dropped; when no node can advance, the bounded space is covered.
/// <see cref="SchedulesExplored"/> counts complete iterations (leaves of the tree).
/// </remarks>
internal sealed class DfsStrategy : Strategy
{
    private readonly int _maxPreemptions;
    private readonly List<Node> _stack = [];
    private int _depth;
    private int _preemptions;
    private long _schedules;
    private bool _covered;
    private string? _error;

    internal DfsStrategy(int maxPreemptions) => _maxPreemptions = maxPreemptions;

    /// <inheritdoc />
    public override bool IsExhaustive => true;

    internal override string? Error => _error;

    internal override bool SpaceCovered => _covered;

    internal override long SchedulesExplored => _schedules;

    internal override Strategy Fresh() => new DfsStrategy(_maxPreemptions);

    internal override bool BeginIteration(int iteration, ulong seed)
    {
        if (iteration > 0 && !Backtrack())
        {
            _covered = true;
            return false;
        }

        _depth = 0;
        _preemptions = 0;
        return true;
    }

    internal override int Choose(in Decision decision)
    {
        Node node;
        if (_depth < _stack.Count)
        {
            node = _stack[_depth];
            if (!decision.Candidates.SequenceEqual(node.Candidates) || decision.CurrentIndex != node.CurrentIndex)
            {
                _error = $"decision {decision.Step + 1} offered {TraceCodec.DescribeCandidates(decision.Candidates)} where an earlier " +
                    $"run of the same schedule offered {TraceCodec.DescribeCandidates(node.Candidates)}: the program is not " +
                    "deterministic given its schedule (it depends on wall-clock time, randomness or uncontrolled threads)";
                return -1;
            }
        }
        else
        {
            node = new Node(decision.Candidates.ToArray(), decision.CurrentIndex, _preemptions);
            _stack.Add(node);
        }

        _depth++;
        var index = node.Order[node.Position];
        if (node.IsPreemption(index))
        {
            _preemptions++;
        }

        return index;
    }

    internal override void EndIteration(int decisions)
    {
        _schedules++;
        if (_depth < _stack.Count)
        {
            // The iteration stopped early (a bug, MaxSteps): nothing below this depth belongs to the path.
            _stack.RemoveRange(_depth, _stack.Count - _depth);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"dfs({_maxPreemptions})";

    private bool Backtrack()
    {
        while (_stack.Count > 0)
        {
            var node = _stack[^1];
            while (++node.Position < node.Order.Length)
            {
                var cost = node.IsPreemption(node.Order[node.Position]) ? 1 : 0;
                if (node.PreemptionsBefore + cost <= _maxPreemptions)
                {
                    return true;
                }
            }

            _stack.RemoveAt(_stack.Count - 1);
        }

        return false;
    }

    /// <summary>One decision on the current path.</summary>
    private sealed class Node
    {
        internal Node(int[] candidates, int currentIndex, int preemptionsBefore)
        {
            Candidates = candidates;
            CurrentIndex = currentIndex;
            PreemptionsBefore = preemptionsBefore;
            Order = new int[candidates.Length];
            var next = 0;
            if (currentIndex >= 0)
            {
                Order[next++] = currentIndex;
            }

            for (var i = 0; i < candidates.Length; i++)
            {
                if (i != currentIndex)
                {
                    Order[next++] = i;
                }
            }
        }

        /// <summary>The candidate ids offered at this decision.</summary>
        internal int[] Candidates { get; }

        /// <summary>The index of the operation that could continue, or -1.</summary>
        internal int CurrentIndex { get; }

        /// <summary>Preemptions spent on the path above this node.</summary>
        internal int PreemptionsBefore { get; }

        /// <summary>Candidate indices in the order they are tried.</summary>
        internal int[] Order { get; }

        /// <summary>The position in <see cref="Order"/> of the current choice.</summary>
        internal int Position { get; set; }

        internal bool IsPreemption(int index) => CurrentIndex >= 0 && index != CurrentIndex;
    }
}
