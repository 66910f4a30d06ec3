using PinSync.Testing.Engine;
using PinSync.Testing.Strategies;

namespace PinSync.Testing;

/// <summary>
/// Decides, at every scheduling point of an <see cref="Explorer"/> run, which operation runs next (and whether a
/// pending timeout fires early). Strategies are seeded: the same seed gives the same schedules.
/// </summary>
/// <remarks>
/// <para>Create one with <see cref="Random"/>, <see cref="Pct"/> or <see cref="Dfs"/>. An instance is a description:
/// every run starts from a fresh copy, so one instance may be shared by several runs and threads.</para>
/// <para>Model: Coyote <c>Testing/Interleaving/InterleavingStrategy.cs</c> (mechanism in the engine, policy here).</para>
/// </remarks>
public abstract class Strategy
{
    private protected Strategy()
    {
    }

    /// <summary>
    /// Whether the strategy enumerates a bounded schedule space (DFS); when it does, the report says whether the space
    /// was covered and how many schedules it held.
    /// </summary>
    public virtual bool IsExhaustive => false;

    /// <summary>Uniform random choice among the enabled operations at every step; per iteration it also picks how
    /// eagerly pending timeouts fire before their due time.</summary>
    /// <returns>The strategy.</returns>
    public static Strategy Random() => new RandomStrategy();

    /// <summary>
    /// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and Nagarakatte, ASPLOS 2010): random
    /// priorities per operation, the highest-priority enabled operation runs, and <paramref name="depth"/> − 1
    /// priority change points are spread over the estimated step count. Finds a bug of depth d with probability at
    /// least 1/(n·k^(d−1)) per iteration.
    /// </summary>
    /// <param name="depth">The bug depth to target (number of ordering constraints); 1 to 10.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> is outside 1..10.</exception>
    public static Strategy Pct(int depth = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, 10);
        return new PctStrategy(depth);
    }

    /// <summary>
    /// Depth-first enumeration of every schedule with at most <paramref name="maxPreemptions"/> preemptions (a
    /// switch away from an operation that could have continued; switches at blocking points, completions and spin
    /// yields are free). The run stops when the bounded space is covered; the report says so and counts the
    /// schedules. Requires a program that is deterministic given its schedule.
    /// </summary>
    /// <param name="maxPreemptions">The preemption bound; 0 or more.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPreemptions"/> is negative.</exception>
    public static Strategy Dfs(int maxPreemptions = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPreemptions);
        return new DfsStrategy(maxPreemptions);
    }

    /// <summary>Parses a strategy as attributes and environment variables write it: <c>random</c>, <c>pct</c>,
    /// <c>pct:3</c> or <c>pct(3)</c>, <c>dfs</c>, <c>dfs:2</c> or <c>dfs(2)</c> (case-insensitive; without a number,
    /// the defaults of <see cref="Pct(int)"/> and <see cref="Dfs(int)"/>).</summary>
    /// <param name="text">The strategy.</param>
    /// <returns>A new strategy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="text"/> is not one of the forms above.</exception>
    public static Strategy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().ToLowerInvariant();
        var name = trimmed;
        int? number = null;
        var separator = trimmed.IndexOfAny([':', '(']);
        if (separator >= 0)
        {
            name = trimmed[..separator];
            var digits = trimmed[(separator + 1)..].TrimEnd(')');
            if ((trimmed[separator] == '(') != trimmed.EndsWith(')') ||
                !int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException($"'{text}' is not a strategy: write random, pct, pct:3, dfs or dfs:2.");
            }

            number = value;
        }

        try
        {
            return name switch
            {
                "random" when number is null => Random(),
                "pct" => Pct(number ?? 3),
                "dfs" => Dfs(number ?? 2),
                _ => throw new FormatException($"'{text}' is not a strategy: write random, pct, pct:3, dfs or dfs:2."),
            };
        }
        catch (ArgumentOutOfRangeException exception)
        {
            throw new FormatException($"'{text}' is not a strategy: {exception.Message}", exception);
        }
    }

    /// <summary>A fresh instance with the same parameters, for one run.</summary>
    internal abstract Strategy Fresh();

    /// <summary>Prepares iteration <paramref name="iteration"/>; <see langword="false"/> when there is nothing left to
    /// explore (an exhaustive strategy covered its space).</summary>
    internal abstract bool BeginIteration(int iteration, ulong seed);

    /// <summary>Picks the index of the candidate that runs next; -1 when the strategy cannot continue (a replay that
    /// diverged, a nondeterministic program under DFS): <see cref="Error"/> then says why.</summary>
    internal abstract int Choose(in Decision decision);

    /// <summary>An operation was created (PCT gives it a priority).</summary>
    internal virtual void OnOperationCreated(int operationId)
    {
    }

    /// <summary>An operation yielded in a spin loop (PCT lowers its priority).</summary>
    internal virtual void OnYield(int operationId)
    {
    }

    /// <summary>The iteration ended after <paramref name="decisions"/> decisions.</summary>
    internal virtual void EndIteration(int decisions)
    {
    }

    /// <summary>Why <see cref="Choose"/> returned -1.</summary>
    internal virtual string? Error => null;

    /// <summary>For exhaustive strategies: whether the whole bounded space has been explored.</summary>
    internal virtual bool SpaceCovered => false;

    /// <summary>For exhaustive strategies: the number of complete schedules explored so far.</summary>
    internal virtual long SchedulesExplored => 0;
}
