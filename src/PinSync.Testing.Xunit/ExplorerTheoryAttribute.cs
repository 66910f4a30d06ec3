using Xunit;
using Xunit.Sdk;

namespace PinSync.Testing.Xunit;

/// <summary>
/// An xunit theory whose every data row runs under the <see cref="Explorer"/>, as <see cref="ExplorerFactAttribute"/>
/// does for a fact: <c>[ExplorerTheory(Iterations = 500)] [InlineData(2)] [InlineData(3)]</c>. The data must be known
/// at discovery (serializable: <c>InlineData</c>, or <c>MemberData</c> of primitives and strings); each row is its own
/// test case, explored and replayed on its own.
/// </summary>
/// <remarks>Replay by environment variable names the row by its display name
/// (<c>Namespace.Class.Method(n: 2)=pinsync-trace/1;…</c>), as the failure message prints it.</remarks>
[XunitTestCaseDiscoverer("PinSync.Testing.Xunit.Sdk.ExplorerTheoryDiscoverer", "PinSync.Testing.Xunit")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ExplorerTheoryAttribute : TheoryAttribute, IExplorerTestSettings
{
    /// <inheritdoc />
    public int Iterations { get; set; } = 1000;

    /// <inheritdoc />
    public string Strategy { get; set; } = "pct:3";

    /// <inheritdoc />
    public long Seed { get; set; }

    /// <inheritdoc />
    public int MaxSteps { get; set; } = ExplorerOptions.DefaultMaxSteps;

    /// <inheritdoc />
    public FaultInjection Faults { get; set; }

    /// <inheritdoc />
    public string? Trace { get; set; }
}
