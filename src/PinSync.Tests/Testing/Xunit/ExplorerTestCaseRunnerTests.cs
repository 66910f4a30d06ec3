using PinSync.Testing;
using PinSync.Testing.Xunit;
using PinSync.Testing.Xunit.Sdk;
using PinSync.Tests.Testing.Mutants;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PinSync.Tests.Testing.Xunit;

/// <summary>The attributes' machinery run programmatically on methods xunit does not discover (their class is not
/// public): discovery, the real runner pipeline, the failure message, replay by attribute and by environment.</summary>
public sealed class ExplorerTestCaseRunnerTests : TestBase
{
    private static readonly string s_buggyName = typeof(Programs).FullName + "." + nameof(Programs.CheckThenAct);

    [Fact]
    public async Task FailingExplorerFact_FailsWithScheduleTraceAndOneLineReplayInstruction()
    {
        var (summary, failures) = await RunAsync(nameof(Programs.CheckThenAct));

        Assert.Equal(1, summary.Total);
        Assert.Equal(1, summary.Failed);
        var failure = Assert.Single(failures);
        Assert.Equal(typeof(ExplorerAssertException).FullName, failure.ExceptionTypes[0]);
        var message = failure.Messages[0];
        Assert.Contains("AssertionFailure", message, StringComparison.Ordinal);
        Assert.Contains("Failing schedule:", message, StringComparison.Ordinal);
        Assert.Contains("✗ op", message, StringComparison.Ordinal);

        // The replay instruction is one line, names the test, and carries a trace that replays.
        var line = Assert.Single(message.Split('\n'), l => l.StartsWith("Replay this schedule: ", StringComparison.Ordinal)).TrimEnd('\r');
        Assert.Contains($"PINSYNC_REPLAY='{s_buggyName}=pinsync-trace/1;", line, StringComparison.Ordinal);
        Assert.EndsWith($"dotnet test --filter \"FullyQualifiedName={s_buggyName}\"", line, StringComparison.Ordinal);
        var trace = TraceOf(line);
        var replay = Explorer.Replay(trace, Programs.CheckThenActBody);
        Assert.Equal(BugKind.AssertionFailure, replay.Kind);
    }

    [Fact]
    public async Task PassingExplorerFact_Passes()
    {
        var (summary, failures) = await RunAsync(nameof(Programs.AtomicUpdate));

        Assert.Equal(1, summary.Total);
        Assert.Equal(0, summary.Failed);
        Assert.Empty(failures);
    }

    [Fact]
    public void Execute_WithTraceFromAttributeOrEnvironment_ReplaysThatSchedule()
    {
        var settings = new ExplorerSettings(2000, "pct:3", 7, ExplorerOptions.DefaultMaxSteps, FaultInjection.None, null);
        var found = Assert.Throws<ExplorerAssertException>(() =>
            ExplorerTestExecution.Execute(settings, s_buggyName, s_buggyName, Programs.CheckThenActBody, replayVariable: null));
        var trace = found.Report!.Trace!;

        var byAttribute = Assert.Throws<ExplorerAssertException>(() => ExplorerTestExecution.Execute(settings with { Trace = trace },
            s_buggyName, s_buggyName, Programs.CheckThenActBody, replayVariable: null));
        Assert.StartsWith("Replayed from the attribute's Trace: ", byAttribute.Message, StringComparison.Ordinal);
        Assert.Equal(found.Report.Message, byAttribute.Report!.Message);
        Assert.Equal(1, byAttribute.Report.Iterations);

        var byEnvironment = Assert.Throws<ExplorerAssertException>(() => ExplorerTestExecution.Execute(settings, s_buggyName, s_buggyName,
            Programs.CheckThenActBody, replayVariable: $"Other.Test=pinsync-trace/1;schedule=1\n{s_buggyName}={trace}"));
        Assert.StartsWith("Replayed from PINSYNC_REPLAY: ", byEnvironment.Message, StringComparison.Ordinal);
        Assert.Equal(found.Report.ReadableTrace, byEnvironment.Report!.ReadableTrace);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("pinsync-trace/1;schedule=12", "pinsync-trace/1;schedule=12")]
    [InlineData("A.B.C=pinsync-trace/1;schedule=12", "pinsync-trace/1;schedule=12")]
    [InlineData("X.Y=pinsync-trace/1;schedule=3\nA.B.C=pinsync-trace/1;schedule=12", "pinsync-trace/1;schedule=12")]
    [InlineData("X.Y=pinsync-trace/1;schedule=3", null)]
    [InlineData("A.B.C(n: 2)=pinsync-trace/1;schedule=1", null)]
    public void FindReplay_MatchesTheTestByNameOrABareTrace(string? variable, string? expected) =>
        Assert.Equal(expected, ExplorerTestExecution.FindReplay(variable, "A.B.C"));

    [Theory]
    [InlineData("random", "random")]
    [InlineData("pct", "pct(3)")]
    [InlineData("PCT:2", "pct(2)")]
    [InlineData("pct(4)", "pct(4)")]
    [InlineData("dfs", "dfs(2)")]
    [InlineData(" dfs:0 ", "dfs(0)")]
    public void StrategyParse_AcceptsTheAttributeForms(string text, string expected) =>
        Assert.Equal(expected, Strategy.Parse(text).ToString());

    [Theory]
    [InlineData("pct:")]
    [InlineData("pct(3")]
    [InlineData("pct:11")]
    [InlineData("random:2")]
    [InlineData("coyote")]
    public void StrategyParse_RejectsOtherText(string text) =>
        Assert.Throws<FormatException>(() => Strategy.Parse(text));

    private static string TraceOf(string replayLine)
    {
        var start = replayLine.IndexOf("=pinsync-trace/", StringComparison.Ordinal) + 1;
        var end = replayLine.IndexOf('\'', start);
        return replayLine[start..end];
    }

    private static async Task<(RunSummary Summary, List<ITestFailed> Failures)> RunAsync(string methodName)
    {
        var type = typeof(Programs);
        var method = type.GetMethod(methodName)!;
        var assembly = new TestAssembly(new ReflectionAssemblyInfo(type.Assembly));
        var testMethod = new TestMethod(new TestClass(new TestCollection(assembly, null, "explorer"), new ReflectionTypeInfo(type)),
            new ReflectionMethodInfo(method));
        var attribute = new ReflectionAttributeInfo(method.CustomAttributes.Single(a => a.AttributeType == typeof(ExplorerFactAttribute)));
        var sink = new NullMessageSink();
        var testCase = Assert.Single(new ExplorerFactDiscoverer(sink).Discover(new DiscoveryOptions(), testMethod, attribute));
        Assert.IsType<ExplorerTestCase>(testCase);

        using var bus = new CapturingBus();
        using var cancellation = new CancellationTokenSource();
        var summary = await WithTimeout(testCase.RunAsync(sink, bus, [], new ExceptionAggregator(), cancellation));
        return (summary, bus.Failures);
    }

    private sealed class DiscoveryOptions : ITestFrameworkDiscoveryOptions
    {
        public TValue GetValue<TValue>(string name) => default!;

        public void SetValue<TValue>(string name, TValue value)
        {
        }
    }

    private sealed class CapturingBus : IMessageBus
    {
        public List<ITestFailed> Failures { get; } = [];

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed)
            {
                lock (Failures)
                {
                    Failures.Add(failed);
                }
            }

            return true;
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Explorer facts for <see cref="ExplorerTestCaseRunnerTests"/>: internal, so xunit does not discover them.</summary>
#pragma warning disable xUnit1000 // Internal on purpose: a deliberately failing fact, run programmatically, never discovered.
internal sealed class Programs
#pragma warning restore xUnit1000
{
    [ExplorerFact(Iterations = 2000, Strategy = "pct:3", Seed = 3)]
    public Task CheckThenAct() => CheckThenActBody();

    [ExplorerFact(Iterations = 200, Strategy = "random", Seed = 3)]
    public async Task AtomicUpdate()
    {
        using var account = new PinnedMutex<int>(100);
        async Task Withdraw()
        {
            using var guard = await account.LockAsync();
            if (guard.Value >= 80)
            {
                guard.Value -= 80;
            }
        }

        await Task.WhenAll(Explorer.Spawn(Withdraw), Explorer.Spawn(Withdraw));
        using var last = account.Lock();
        Explorer.Assert(last.Value >= 0, "overdraft");
    }

    /// <summary>Check-then-act across two lock sections: the mutation suite's user bug (found, replayable).</summary>
    internal static Task CheckThenActBody() => MutationPrograms.Withdrawals(atomic: false);
}
