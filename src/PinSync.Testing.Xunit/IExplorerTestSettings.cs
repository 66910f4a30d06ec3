namespace PinSync.Testing.Xunit;

/// <summary>The explorer settings shared by <see cref="ExplorerFactAttribute"/> and
/// <see cref="ExplorerTheoryAttribute"/>.</summary>
public interface IExplorerTestSettings
{
    /// <summary>The number of iterations (<see cref="ExplorerOptions.Iterations"/>). Default 1000.</summary>
    int Iterations { get; set; }

    /// <summary>The strategy as text (<see cref="Testing.Strategy.Parse(string)"/>): <c>random</c>, <c>pct:3</c>,
    /// <c>dfs:2</c>. Default <c>pct:3</c>.</summary>
    string Strategy { get; set; }

    /// <summary>The base seed; 0 (the default) draws one per run (the failure message names the seed used, and the
    /// trace replays the schedule whatever the seed).</summary>
    long Seed { get; set; }

    /// <summary>Scheduling steps per iteration before a livelock (<see cref="ExplorerOptions.MaxSteps"/>).</summary>
    int MaxSteps { get; set; }

    /// <summary>Fault injection (<see cref="ExplorerOptions.Faults"/>). Default none.</summary>
    FaultInjection Faults { get; set; }

    /// <summary>A trace to replay instead of exploring (one iteration, the recorded schedule), as printed by a
    /// failure; <see langword="null"/> (the default) explores.</summary>
    string? Trace { get; set; }
}
