using PinSync.Scheduling;
using PinSync.Testing;
using PinSync.Testing.Engine;
using PinSync.Tests.Testing.Toys;

namespace PinSync.Tests.Testing;

/// <summary>The explorer's mechanics: exhaustive counts, virtual time, replay divergence, uncontrolled work,
/// unfinished operations, livelocks, spin yields, teardown and serialization of runs.</summary>
public sealed class ExplorerEngineTests : TestBase
{
    // Body spawns two operations without scheduling points of their own. By hand: with the spawn points of the body
    // and the free choices at completions there are 8 schedules; 7 with at most one preemption; 2 with none.
    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 7)]
    [InlineData(2, 8)]
    [InlineData(5, 8)]
    public void Run_DfsOnTwoSpawns_CoversExactScheduleCount(int maxPreemptions, int expected)
    {
        var report = ExplorerAssert.NoBugs(() =>
        {
            var a = Explorer.Spawn(() => { });
            var b = Explorer.Spawn(() => { });
            return Task.WhenAll(a, b);
        }, new ExplorerOptions { Iterations = 1000, Strategy = Strategy.Dfs(maxPreemptions) });

        Assert.True(report.SpaceCovered);
        Assert.Equal(expected, report.SchedulesExplored);
        Assert.Equal(expected, report.Iterations);
    }

    [Fact]
    public void Run_DfsWithTooFewIterations_ReportsSpaceNotCovered()
    {
        var report = Explorer.Run(ExplorerTestPrograms.AtomicUpdate, new ExplorerOptions { Iterations = 3, Strategy = Strategy.Dfs(2) });

        Assert.False(report.BugFound);
        Assert.False(report.SpaceCovered);
        Assert.Equal(3, report.SchedulesExplored);
    }

    [Fact]
    public void Run_DelayOneHour_AdvancesVirtualClockOnly()
    {
        var observed = TimeSpan.Zero;
        var report = ExplorerAssert.NoBugs(async () =>
        {
            var spawned = Explorer.Spawn(() => Explorer.Delay(TimeSpan.FromMinutes(30)));
            await Explorer.Delay(TimeSpan.FromHours(1));
            observed = Explorer.Now;
            await spawned;
        }, new ExplorerOptions { Iterations = 20, Seed = 5 });

        Assert.Equal(TimeSpan.FromHours(1), observed);
        Assert.Equal(TimeSpan.FromHours(1), report.VirtualTimeElapsed);
    }

    [Fact]
    public void Replay_OfAnotherProgram_FailsNamingTheStep()
    {
        var report = Explorer.Run(ExplorerTestPrograms.LostUpdate, new ExplorerOptions { Iterations = 500, Seed = 2 });
        Assert.True(report.BugFound);

        var replay = Explorer.Replay(report.Trace!, () => Task.WhenAll(Explorer.Spawn(() => { }), Explorer.Spawn(() => { }),
            Explorer.Spawn(() => { }), Explorer.Spawn(() => { })));

        Assert.Equal(BugKind.ReplayDivergence, replay.Kind);
        Assert.Matches("decision [0-9]+", replay.Message);
    }

    [Fact]
    public void Replay_MalformedTrace_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => Explorer.Replay("not a trace", () => Task.CompletedTask));
        Assert.Throws<FormatException>(() => Explorer.Replay("pinsync-trace/1;schedule=1?2", () => Task.CompletedTask));
    }

    [Fact]
    public void Run_TaskRunTouchingTheSeam_ReportsUncontrolledConcurrency()
    {
        var report = Explorer.Run(() =>
        {
            Task.Run(() => SchedulingPoint.Interleave()).Wait();
            SchedulingPoint.Interleave();
        }, new ExplorerOptions { Iterations = 5, Seed = 1 });

        Assert.Equal(BugKind.UncontrolledConcurrency, report.Kind);
        Assert.Contains("does not control", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TaskRunNotTouchingTheSeam_ReportsUncontrolledConcurrency()
    {
        var shared = 0;
        var report = Explorer.Run(() =>
        {
            Task.Run(() => shared++).Wait();
            SchedulingPoint.Interleave();
        }, new ExplorerOptions { Iterations = 5, Seed = 1 });

        Assert.Equal(BugKind.UncontrolledConcurrency, report.Kind);
        Assert.Contains("Task.Run", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_BodyEndsWhileSpawnedOperationBlocked_ReportsUnfinishedOperation()
    {
        var report = Explorer.Run(() =>
        {
            var gate = new ToyLock();
            gate.Enter();
            _ = Explorer.Spawn(gate.Enter);
        }, new ExplorerOptions { Iterations = 20, Seed = 1 });

        Assert.Equal(BugKind.UnfinishedOperation, report.Kind);
        Assert.Matches("op2 is blocked in EnterLock\\(mutex#1\\)", report.Message);
    }

    [Fact]
    public void Run_SpinWithoutProgress_ReportsLivelock()
    {
        var report = Explorer.Run(() =>
        {
            var flag = false;
            _ = Explorer.Spawn(() =>
            {
                while (!Volatile.Read(ref flag))
                {
                    SchedulingPoint.Interleave();
                }
            });
        }, new ExplorerOptions { Iterations = 5, MaxSteps = 300, Seed = 1 });

        Assert.Equal(BugKind.Livelock, report.Kind);
        Assert.Contains("300", report.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("dfs")]
    public void Run_SpinYieldWaitingForAnotherOperation_NoFalseLivelock(string strategy)
    {
        ExplorerAssert.NoBugs(async () =>
        {
            var flag = false;
            var spinner = Explorer.Spawn(() =>
            {
                while (!Volatile.Read(ref flag))
                {
                    SchedulingPoint.Yield();
                }
            });
            var setter = Explorer.Spawn(() =>
            {
                SchedulingPoint.Interleave();
                SchedulingPoint.Interleave();
                Volatile.Write(ref flag, true);
            });
            await Task.WhenAll(spinner, setter);
        }, new ExplorerOptions { Iterations = 300, MaxSteps = 100, Strategy = ExplorerTestPrograms.StrategyByName(strategy), Seed = 3 });
    }

    [Fact]
    public void Run_DeadlockWithBlockedOperations_UnwindsThemBeforeReturning()
    {
        var unwound = 0;
        var resumedAfterLock = 0;
        var report = Explorer.Run(() =>
        {
            var gate = new ToyLock();
            gate.Enter();
            void Blocked()
            {
                try
                {
                    gate.Enter();
                    resumedAfterLock++;
                }
                finally
                {
                    unwound++;
                }
            }

            _ = Explorer.Spawn(Blocked);
            _ = Explorer.Spawn(Blocked);
            gate.Enter();
        }, new ExplorerOptions { Iterations = 20, Seed = 9 });

        Assert.Equal(BugKind.Deadlock, report.Kind);
        Assert.Equal(3, unwound + 1); // both spawned operations unwound, during the run's teardown
        Assert.Equal(0, resumedAfterLock);
        Assert.Contains("op1 is blocked in EnterLock(mutex#1)", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ManyFailingRuns_ReuseWorkerThreads()
    {
        RunDeadlock();
        var before = Worker.Created;
        for (var i = 0; i < 30; i++)
        {
            RunDeadlock();
        }

        Assert.True(Worker.Created - before <= 3, $"{Worker.Created - before} worker threads were created for 30 runs");

        static void RunDeadlock() => Assert.Equal(BugKind.Deadlock, Explorer.Run(() =>
        {
            var a = new ToyLock();
            a.Enter();
            _ = Explorer.Spawn(a.Enter);
            a.Enter();
        }, new ExplorerOptions { Iterations = 1, Seed = 1 }).Kind);
    }

    [Fact]
    public void Run_FromParallelThreads_RunsAreSerializedAndAllPass()
    {
        var reports = new ExplorerReport[4];
        Parallel.For(0, reports.Length, i =>
            reports[i] = Explorer.Run(ExplorerTestPrograms.AtomicUpdate, new ExplorerOptions { Iterations = 200, Seed = (ulong)i }));

        Assert.All(reports, report => Assert.False(report.BugFound, report.ToString()));
    }

    [Fact]
    public void Spawn_OutsideRun_ThrowsInvalidOperation()
    {
        Assert.Throws<InvalidOperationException>(() => { _ = Explorer.Spawn(() => { }); });
        Assert.Throws<InvalidOperationException>(() => Explorer.Assert(false, "outside"));
        Assert.False(Explorer.IsRunning);
    }

    [Fact]
    public void IterationSeed_NeighbouringSeedsAndIterations_Unrelated()
    {
        var seen = new HashSet<ulong>();
        for (ulong seed = 0; seed < 20; seed++)
        {
            for (var iteration = 0; iteration < 20; iteration++)
            {
                Assert.True(seen.Add(SplitMix64.IterationSeed(seed, iteration)));
            }
        }

        Assert.NotEqual(SplitMix64.IterationSeed(1, 2), SplitMix64.IterationSeed(2, 1));
    }
}
