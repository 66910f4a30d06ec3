namespace PinSync.Coyote.Tests;

/// <summary>
/// The head-to-head bench (minutes), run only when the environment variable <c>PINSYNC_HEAD2HEAD</c> is <c>1</c>;
/// otherwise xunit reports it as skipped, with the reason, so a default run never counts it as passed (issue 14).
/// </summary>
/// <remarks>
/// The same idea as PinSync.Tests' <c>StressFactAttribute</c> (this project cannot reference that one): xunit 2.9 has
/// no dynamic skip, so <see cref="FactAttribute.Skip"/> is set when the test is discovered. The variable must be set
/// for the whole <c>dotnet test</c> command (discovery and run happen in the same test host).
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class HeadToHeadFactAttribute : FactAttribute
{
    /// <summary>The environment variable that turns the bench on when it is <c>1</c>.</summary>
    public const string Variable = "PINSYNC_HEAD2HEAD";

    /// <summary>Creates the attribute; sets <see cref="FactAttribute.Skip"/> unless the bench is on.</summary>
    public HeadToHeadFactAttribute()
    {
        if (!IsEnabled)
        {
            Skip = $"Head-to-head bench: runs only with {Variable}=1 (docs/explorer.md, \"Head-to-head\").";
        }
    }

    /// <summary>Whether <c>PINSYNC_HEAD2HEAD=1</c> is set in this process.</summary>
    public static bool IsEnabled => Environment.GetEnvironmentVariable(Variable) == "1";
}
