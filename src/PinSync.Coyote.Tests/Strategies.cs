using Microsoft.Coyote;

namespace PinSync.Coyote.Tests;

/// <summary>Coyote's three strategies the tests run, each in strict mode.</summary>
public static class Strategies
{
    public static readonly string[] Names = ["random", "pct", "fair-pct"];

    /// <summary>Whether the long runs are asked for (PINSYNC_STRESS=1).</summary>
    public static bool Stress => Environment.GetEnvironmentVariable("PINSYNC_STRESS") == "1";

    public static Configuration Strict(string strategy, uint iterations, uint seed)
    {
        // No WithTestingTimeout: with one, Coyote ignores the iteration count and runs until the time is up. A hang is
        // bounded by Coyote's own deadlock detection and by the run's --blame-hang-timeout.
        var configuration = PinSyncCoyote.StrictConfiguration(iterations).WithRandomGeneratorSeed(seed);
        return strategy switch
        {
            "random" => configuration.WithRandomStrategy(),
            "pct" => configuration.WithPrioritizationStrategy(isFair: false),
            "fair-pct" => configuration.WithPrioritizationStrategy(isFair: true),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "random, pct or fair-pct"),
        };
    }
}
