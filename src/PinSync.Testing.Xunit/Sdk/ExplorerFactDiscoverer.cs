using Xunit.Abstractions;
using Xunit.Sdk;

namespace PinSync.Testing.Xunit.Sdk;

/// <summary>Discovers <see cref="ExplorerFactAttribute"/> methods: one <see cref="ExplorerTestCase"/> each.</summary>
/// <param name="diagnosticMessageSink">xunit's diagnostic sink.</param>
public sealed class ExplorerFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        ArgumentNullException.ThrowIfNull(testMethod);
        ArgumentNullException.ThrowIfNull(factAttribute);
        if (testMethod.Method.GetParameters().Any())
        {
            return [new ExecutionErrorTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod,
                "[ExplorerFact] methods take no parameters; use [ExplorerTheory] with data.")];
        }

        return [new ExplorerTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, ExplorerSettings.From(factAttribute))];
    }
}
