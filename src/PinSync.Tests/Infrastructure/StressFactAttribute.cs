namespace PinSync.Tests;

/// <summary>
/// A long-running test (minutes, or measuring throughput), run only when the environment variable
/// <c>PINSYNC_STRESS</c> is <c>1</c>; otherwise xunit reports it as skipped, with the reason, so a run never counts it
/// as passed. Put <c>[Trait("Category", "Stress")]</c> beside it so that <c>--filter Category=Stress</c> selects it.
/// </summary>
/// <remarks>
/// xunit 2.9 has no dynamic skip (a test cannot decide at run time to be skipped): the decision is taken here, when
/// the test is discovered, by setting <see cref="FactAttribute.Skip"/>. The variable must therefore be set for the
/// whole <c>dotnet test</c> command (discovery and run happen in the same test host).
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StressFactAttribute : FactAttribute
{
    /// <summary>The environment variable that turns stress tests on when it is <c>1</c>.</summary>
    public const string Variable = "PINSYNC_STRESS";

    /// <summary>Creates the attribute; sets <see cref="FactAttribute.Skip"/> unless stress tests are on.</summary>
    public StressFactAttribute()
    {
        if (!IsEnabled)
        {
            Skip = $"Stress test: runs only with {Variable}=1 (README, \"Long stress tests\").";
        }
    }

    /// <summary>Whether <c>PINSYNC_STRESS=1</c> is set in this process.</summary>
    public static bool IsEnabled => Environment.GetEnvironmentVariable(Variable) == "1";
}
