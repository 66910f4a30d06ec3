using Xunit.Abstractions;
using Xunit.Sdk;

namespace PinSync.Testing.Xunit.Sdk;

/// <summary>Discovers <see cref="ExplorerTheoryAttribute"/> methods: one <see cref="ExplorerTestCase"/> per data row.
/// Data that cannot be enumerated at discovery gives a test case that fails with the reason.</summary>
/// <param name="diagnosticMessageSink">xunit's diagnostic sink.</param>
public sealed class ExplorerTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions,
        ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        ArgumentNullException.ThrowIfNull(theoryAttribute);
        return [new ExplorerTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, ExplorerSettings.From(theoryAttribute), dataRow)];
    }

    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForTheory(ITestFrameworkDiscoveryOptions discoveryOptions,
        ITestMethod testMethod, IAttributeInfo theoryAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        return [new ExecutionErrorTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod,
            "[ExplorerTheory] needs data known at discovery (InlineData, or MemberData of serializable values) so that each " +
            "row is explored and replayed as its own test case.")];
    }
}
