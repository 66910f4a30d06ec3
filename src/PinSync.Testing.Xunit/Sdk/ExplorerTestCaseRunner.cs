using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PinSync.Testing.Xunit.Sdk;

/// <summary>Runs an <see cref="ExplorerTestCase"/>: xunit's usual test-case, test and invoker pipeline (class
/// construction, before/after attributes, timing, disposal), with the method call replaced by an explorer run.</summary>
internal sealed class ExplorerTestCaseRunner(ExplorerTestCase testCase, string displayName, string skipReason, object[] constructorArguments,
    object[] testMethodArguments, IMessageBus messageBus, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    : XunitTestCaseRunner(testCase, displayName, skipReason, constructorArguments, testMethodArguments, messageBus, aggregator, cancellationTokenSource)
{
    protected override Task<RunSummary> RunTestAsync() =>
        new TestRunner(testCase.Settings, CreateTest(TestCase, DisplayName), MessageBus, TestClass, ConstructorArguments, TestMethod,
            TestMethodArguments, SkipReason, BeforeAfterAttributes, new ExceptionAggregator(Aggregator), CancellationTokenSource).RunAsync();

    private sealed class TestRunner(ExplorerSettings settings, ITest test, IMessageBus messageBus, Type testClass, object[] constructorArguments,
        MethodInfo testMethod, object[] testMethodArguments, string skipReason, IReadOnlyList<BeforeAfterTestAttribute> beforeAfterAttributes,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
        : XunitTestRunner(test, messageBus, testClass, constructorArguments, testMethod, testMethodArguments, skipReason, beforeAfterAttributes,
            aggregator, cancellationTokenSource)
    {
        protected override Task<decimal> InvokeTestMethodAsync(ExceptionAggregator aggregator) =>
            new Invoker(settings, Test, MessageBus, TestClass, ConstructorArguments, TestMethod, TestMethodArguments, BeforeAfterAttributes,
                aggregator, CancellationTokenSource).RunAsync();
    }

    private sealed class Invoker(ExplorerSettings settings, ITest test, IMessageBus messageBus, Type testClass, object[] constructorArguments,
        MethodInfo testMethod, object[] testMethodArguments, IReadOnlyList<BeforeAfterTestAttribute> beforeAfterAttributes,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
        : XunitTestInvoker(test, messageBus, testClass, constructorArguments, testMethod, testMethodArguments, beforeAfterAttributes,
            aggregator, cancellationTokenSource)
    {
        protected override object CallTestMethod(object testClassInstance)
        {
            var body = ExplorerTestExecution.Body(TestMethod, testClassInstance, TestMethodArguments);
            var filterName = TestMethod.DeclaringType!.FullName + "." + TestMethod.Name;
            var replay = Environment.GetEnvironmentVariable(ExplorerTestExecution.ReplayVariable);

            // Explorer.Run blocks its caller for the whole run: off xunit's (possibly limited) worker threads.
            return Task.Factory.StartNew(() => ExplorerTestExecution.Execute(settings, Test.DisplayName, filterName, body, replay),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }
}
