using System.Globalization;
using Xunit.Abstractions;

namespace PinSync.Testing.Xunit.Sdk;

/// <summary>The settings of one explorer test case, read from its attribute at discovery and carried through xunit's
/// serialization to the runner.</summary>
/// <param name="Iterations">Iterations to run.</param>
/// <param name="Strategy">The strategy as text.</param>
/// <param name="Seed">The base seed; 0 draws one.</param>
/// <param name="MaxSteps">The livelock bound.</param>
/// <param name="Faults">Fault injection.</param>
/// <param name="Trace">A trace to replay, or <see langword="null"/>.</param>
internal sealed record ExplorerSettings(int Iterations, string Strategy, long Seed, int MaxSteps, FaultInjection Faults, string? Trace)
{
    /// <summary>The settings of an attribute as xunit reports it at discovery.</summary>
    internal static ExplorerSettings From(IAttributeInfo attribute) => new(
        attribute.GetNamedArgument<int>(nameof(IExplorerTestSettings.Iterations)),
        attribute.GetNamedArgument<string>(nameof(IExplorerTestSettings.Strategy)) ?? "pct:3",
        attribute.GetNamedArgument<long>(nameof(IExplorerTestSettings.Seed)),
        attribute.GetNamedArgument<int>(nameof(IExplorerTestSettings.MaxSteps)),
        attribute.GetNamedArgument<FaultInjection>(nameof(IExplorerTestSettings.Faults)),
        attribute.GetNamedArgument<string?>(nameof(IExplorerTestSettings.Trace)));

    /// <summary>The explorer options (throws <see cref="FormatException"/> or
    /// <see cref="ArgumentOutOfRangeException"/> for invalid settings, which fails the test with the reason).</summary>
    internal ExplorerOptions ToOptions() => new()
    {
        Iterations = Iterations,
        Strategy = Testing.Strategy.Parse(Strategy),
        Seed = Seed == 0 ? null : unchecked((ulong)Seed),
        MaxSteps = MaxSteps,
        Faults = Faults,
    };

    internal void Serialize(IXunitSerializationInfo data)
    {
        data.AddValue(nameof(Iterations), Iterations);
        data.AddValue(nameof(Strategy), Strategy);
        data.AddValue(nameof(Seed), Seed.ToString(CultureInfo.InvariantCulture));
        data.AddValue(nameof(MaxSteps), MaxSteps);
        data.AddValue(nameof(Faults), (int)Faults);
        data.AddValue(nameof(Trace), Trace);
    }

    internal static ExplorerSettings Deserialize(IXunitSerializationInfo data) => new(
        data.GetValue<int>(nameof(Iterations)),
        data.GetValue<string>(nameof(Strategy)),
        long.Parse(data.GetValue<string>(nameof(Seed)), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        data.GetValue<int>(nameof(MaxSteps)),
        (FaultInjection)data.GetValue<int>(nameof(Faults)),
        data.GetValue<string?>(nameof(Trace)));
}
