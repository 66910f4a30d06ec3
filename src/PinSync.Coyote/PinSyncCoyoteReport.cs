using Microsoft.Coyote.SystematicTesting;

namespace PinSync.Coyote;

/// <summary>What a <see cref="PinSyncCoyote.Test(Func{Task}, Microsoft.Coyote.Configuration)"/> run found: Coyote's
/// report and, when a bug was found, the traces to replay and read it.</summary>
/// <param name="Report">Coyote's test report (bugs, explored schedules, steps).</param>
/// <param name="ReproducibleTrace">The trace of the first bug, for <c>Configuration.WithReproducibleTrace</c>; empty
/// when no bug was found.</param>
/// <param name="ReadableTrace">The human-readable trace of the first bug; empty when no bug was found.</param>
public sealed record PinSyncCoyoteReport(TestReport Report, string ReproducibleTrace, string ReadableTrace)
{
    /// <summary>Whether Coyote found a bug.</summary>
    public bool BugFound => Report.NumOfFoundBugs > 0;

    /// <summary>The first bug report, or <see langword="null"/>.</summary>
    public string? FirstBug => BugFound ? Report.BugReports.FirstOrDefault() : null;

    /// <summary>How many iterations ran (with the failing one, when a bug stopped the run).</summary>
    public int Iterations => Report.NumOfExploredFairPaths + Report.NumOfExploredUnfairPaths;
}
