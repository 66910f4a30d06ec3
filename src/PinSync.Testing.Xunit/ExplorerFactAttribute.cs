using Xunit;
using Xunit.Sdk;

namespace PinSync.Testing.Xunit;

/// <summary>
/// An xunit fact that runs its test method under the <see cref="Explorer"/>: every iteration calls the method (on the
/// same test class instance) as the body of <see cref="Explorer.Run(Func{Task}, ExplorerOptions?)"/>; a bug fails
/// the test with the readable schedule, the trace and a one-line replay instruction.
/// </summary>
/// <remarks>
/// <para>The method may be <see langword="void"/>, or return <see cref="Task"/> or <see cref="ValueTask"/>; it creates
/// its own state (fields of the test class are shared by the iterations) and uses <see cref="Explorer.Spawn(Func{Task})"/>,
/// <see cref="Explorer.Assert"/> and PinSync primitives as a body does.</para>
/// <para>Replay: set <see cref="Trace"/>, or the environment variable <c>PINSYNC_REPLAY</c> to
/// <c>Namespace.Class.Method=pinsync-trace/1;…</c> (that test only) or to a bare trace (every explorer test that runs:
/// use it with <c>dotnet test --filter</c>). A replay runs one iteration under the recorded schedule.</para>
/// <para>Attributes are read once at discovery; not thread-sensitive.</para>
/// </remarks>
[XunitTestCaseDiscoverer("PinSync.Testing.Xunit.Sdk.ExplorerFactDiscoverer", "PinSync.Testing.Xunit")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ExplorerFactAttribute : FactAttribute, IExplorerTestSettings
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
