using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PinSync.Testing.Xunit.Sdk;

/// <summary>An xunit test case whose method runs under the explorer (see <see cref="ExplorerFactAttribute"/>).</summary>
public sealed class ExplorerTestCase : XunitTestCase
{
    private ExplorerSettings _settings = new(1000, "pct:3", 0, ExplorerOptions.DefaultMaxSteps, FaultInjection.None, null);

    /// <summary>For xunit's deserializer only.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ExplorerTestCase()
    {
    }

    internal ExplorerTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay methodDisplay, TestMethodDisplayOptions methodDisplayOptions,
        ITestMethod testMethod, ExplorerSettings settings, object[]? testMethodArguments = null)
        : base(diagnosticMessageSink, methodDisplay, methodDisplayOptions, testMethod, testMethodArguments)
    {
        _settings = settings;
    }

    internal ExplorerSettings Settings => _settings;

    /// <inheritdoc />
    public override Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource) =>
        new ExplorerTestCaseRunner(this, DisplayName, SkipReason, constructorArguments, TestMethodArguments, messageBus, aggregator,
            cancellationTokenSource).RunAsync();

    /// <inheritdoc />
    public override void Serialize(IXunitSerializationInfo data)
    {
        ArgumentNullException.ThrowIfNull(data);
        base.Serialize(data);
        _settings.Serialize(data);
    }

    /// <inheritdoc />
    public override void Deserialize(IXunitSerializationInfo data)
    {
        ArgumentNullException.ThrowIfNull(data);
        base.Deserialize(data);
        _settings = ExplorerSettings.Deserialize(data);
    }
}
