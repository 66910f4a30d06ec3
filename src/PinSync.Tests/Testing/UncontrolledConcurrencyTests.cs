using System.Runtime.CompilerServices;
using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>Work the explorer does not control — Task.Run, Task.Delay, a raw Thread, SemaphoreSlim, Monitor — inside a
/// body or a spawned flow is reported as <see cref="BugKind.UncontrolledConcurrency"/> naming what it was, never as a
/// deadlock; the controlled equivalents (Explorer.Spawn with a name, Explorer.Delay) pass.</summary>
public sealed class UncontrolledConcurrencyTests : TestBase
{
    // Each program fails in its first iteration; several runs cover both sides of the race between the uncontrolled
    // work and the standstill (the foreign thread reports first, or the standstill walks the awaits first).
    private const int Runs = 5;

    private static readonly ExplorerOptions s_options = new() { Iterations = 50, Strategy = Strategy.Random(), Seed = 7 };

    [Fact]
    public void Run_BodyAwaitsTaskRun_ReportsUncontrolledNamingTaskRun()
    {
        for (var i = 0; i < Runs; i++)
        {
            var report = Explorer.Run(async () =>
            {
                var value = await Task.Run(() => 42);
                Explorer.Assert(value == 42, "Task.Run result");
            }, s_options);

            AssertUncontrolled(report, "Task.Run");
        }
    }

    [Fact]
    public void Run_SpawnedFlowsAwaitTaskRunOfAsyncFunctions_ReportsUncontrolled()
    {
        var report = Explorer.Run(async () =>
        {
            using var mutex = new PinnedMutex<int>(0);
            async Task Work()
            {
                await Task.Run(async () => { using var g = await mutex.LockAsync(); g.Value++; });
            }

            await Task.WhenAll(Explorer.Spawn(Work), Explorer.Spawn(Work));
        }, s_options);

        AssertUncontrolled(report, "does not control");
    }

    [Fact]
    public void Run_BodyAwaitsTaskDelay_ReportsUncontrolledNamingTaskDelay()
    {
        for (var i = 0; i < Runs; i++)
        {
            var report = Explorer.Run(async () =>
            {
                await Task.Delay(1);
                Explorer.Assert(true, "after the delay");
            }, s_options);

            AssertUncontrolled(report, "Task.Delay");
        }
    }

    [Fact]
    public void Run_FlowHoldsSemaphoreSlimAcrossTaskDelay_ReportsUncontrolledNotDeadlock()
    {
        // The program: a spawned flow awaits Task.Delay(1) while it holds a SemaphoreSlim another flow waits for.
        for (var i = 0; i < Runs; i++)
        {
            var report = Explorer.Run(async () =>
            {
                using var gate = new SemaphoreSlim(1, 1);
                async Task Holder()
                {
                    await gate.WaitAsync();
                    try
                    {
                        await Task.Delay(1);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }

                await Task.WhenAll(Explorer.Spawn("first", Holder), Explorer.Spawn("second", Holder));
            }, s_options);

            AssertUncontrolled(report, "does not control");
        }
    }

    [Fact]
    public void Run_FlowsContendOnSemaphoreSlimWaitAsync_ReportsUncontrolledNamingSemaphoreSlim()
    {
        // Two flows take a SemaphoreSlim in opposite order with a controlled yield in between: a real lock-order bug,
        // but on a BCL lock the explorer cannot see; it says so (and suggests PinnedSemaphore) instead of guessing.
        var report = Explorer.Run(async () =>
        {
            using var a = new SemaphoreSlim(1, 1);
            using var b = new SemaphoreSlim(1, 1);
            async Task Take(SemaphoreSlim first, SemaphoreSlim second)
            {
                await first.WaitAsync();
                await Task.Yield();
                await second.WaitAsync();
                second.Release();
                first.Release();
            }

            await Task.WhenAll(Explorer.Spawn(() => Take(a, b)), Explorer.Spawn(() => Take(b, a)));
        }, new ExplorerOptions { Iterations = 500, Strategy = Strategy.Pct(3), Seed = 3 });

        AssertUncontrolled(report, "SemaphoreSlim.WaitAsync");
        Assert.Contains("PinnedSemaphore", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_FlowBlocksInSemaphoreSlimWait_ReportsUncontrolledBlockedWait()
    {
        // A flow holds the SemaphoreSlim across a controlled await; the other blocks its thread in Wait(), where the
        // explorer cannot see it: the watchdog reports it after a second instead of hanging.
        var report = Explorer.Run(async () =>
        {
            var gate = new SemaphoreSlim(1, 1);
            var holder = Explorer.Spawn(async () =>
            {
                gate.Wait();
                await Task.Yield();
                gate.Release();
            });
            var waiter = Explorer.Spawn(() =>
            {
                gate.Wait();
                gate.Release();
            });
            await Task.WhenAll(holder, waiter);
        }, new ExplorerOptions { Iterations = 200, Strategy = Strategy.Random(), Seed = 11 });

        AssertUncontrolled(report, "is blocked in a wait the explorer does not control");
        Assert.Contains("SemaphoreSlim.Wait", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_FlowsContendOnMonitor_ReportsUncontrolledBlockedWait_AndBothThreadsUnwind()
    {
        var last = new StrongBox<int>();
        var report = Explorer.Run(async () =>
        {
            var monitor = new object();
            var exited = last = new StrongBox<int>();
            void Critical()
            {
                try
                {
                    lock (monitor)
                    {
                        SchedulingPoint.Interleave(); // the explorer may switch to the other flow here, which blocks in lock
                    }
                }
                finally
                {
                    Interlocked.Increment(ref exited.Value);
                }
            }

            await Task.WhenAll(Explorer.Spawn(Critical), Explorer.Spawn(Critical));
        }, new ExplorerOptions { Iterations = 200, Strategy = Strategy.Random(), Seed = 5 });

        AssertUncontrolled(report, "is blocked in a wait the explorer does not control");
        Assert.Contains("Monitor", report.Message, StringComparison.Ordinal);

        // The holder, woken after the report, unwinds and releases the monitor; the blocked flow then unwinds too.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref last.Value) == 2, UnexpectedTimeout), "both flows left the lock");
    }

    [Fact]
    public void Run_SpinWithoutSchedulingPoint_ReportsHang_AndParkedOperationsUnwind()
    {
        var stop = new StrongBox<bool>();
        var parkedUnwound = 0;
        var report = Explorer.Run(async () =>
        {
            using var mutex = new PinnedMutex<int>(0);
            var holder = await mutex.LockAsync();
            var parked = Explorer.Spawn(() =>
            {
                try
                {
                    using var g = mutex.Lock(); // parks: the body holds the mutex
                }
                finally
                {
                    Interlocked.Increment(ref parkedUnwound);
                }
            });
            var spinner = Explorer.Spawn(() =>
            {
                while (!Volatile.Read(ref stop.Value))
                {
                    // computes without a scheduling point (not a wait): a hang, not uncontrolled blocking
                }
            });
            await Task.WhenAll(parked, spinner);
            holder.Dispose();
        }, new ExplorerOptions { Iterations = 1, Strategy = Strategy.Dfs(0), HangTimeout = TimeSpan.FromMilliseconds(300) });
        Volatile.Write(ref stop.Value, true);

        Assert.True(report.Kind == BugKind.Hang, report.ToString());
        Assert.Contains("op3 (spawned) ran for 0.3 s", report.Message, StringComparison.Ordinal);
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref parkedUnwound) == 1, UnexpectedTimeout), "the parked operation unwound");
    }

    [Fact]
    public void Run_BodyStartsAndJoinsRawThread_ReportsUncontrolled()
    {
        for (var i = 0; i < Runs; i++)
        {
            var shared = 0;
            var report = Explorer.Run(() =>
            {
                var thread = new Thread(() => shared++);
                thread.Start();
                thread.Join();
            }, s_options);

            AssertUncontrolled(report, "does not control");
        }
    }

    [Fact]
    public void Run_BodyAwaitsTaskCompletedByRawThread_ReportsUncontrolled()
    {
        for (var i = 0; i < Runs; i++)
        {
            var report = Explorer.Run(async () =>
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                new Thread(() => done.SetResult()).Start();
                await done.Task;
            }, s_options);

            AssertUncontrolled(report, "does not control");
        }
    }

    [Fact]
    public void Run_ControlledEquivalents_PassAndNameTheSpawns()
    {
        ExplorerAssert.NoBugs(async () =>
        {
            using var gate = new PinnedSemaphore(1, 1);
            async Task Holder()
            {
                await gate.WaitAsync();
                try
                {
                    await Explorer.Delay(1);
                }
                finally
                {
                    gate.Release();
                }
            }

            await Task.WhenAll(Explorer.Spawn("first", Holder), Explorer.Spawn("second", Holder));
        }, new ExplorerOptions { Iterations = 200, Strategy = Strategy.Pct(3), Seed = 1 });

        var report = Explorer.Run(async () =>
        {
            var flag = 0;
            await Task.WhenAll(Explorer.Spawn("reader", () => Explorer.Assert(flag == 0, "flag already set")),
                Explorer.Spawn("writer", () => flag = 1));
        }, new ExplorerOptions { Iterations = 200, Strategy = Strategy.Random(), Seed = 1 });

        Assert.Equal(BugKind.AssertionFailure, report.Kind);
        Assert.Contains("op2 'reader'", report.Message, StringComparison.Ordinal);
        Assert.Contains("(spawned 'writer')", report.ReadableTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_AsyncLockOrderDeadlock_StillReportedAsDeadlock()
    {
        var report = Explorer.Run(async () =>
        {
            using var a = new PinnedMutex<int>(0);
            using var b = new PinnedMutex<int>(0);
            async Task Take(PinnedMutex<int> first, PinnedMutex<int> second)
            {
                using var g1 = await first.LockAsync();
                await Task.Yield();
                using var g2 = await second.LockAsync();
            }

            await Task.WhenAll(Explorer.Spawn(() => Take(a, b)), Explorer.Spawn(() => Take(b, a)));
        }, new ExplorerOptions { Iterations = 1000, Strategy = Strategy.Pct(3), Seed = 3 });

        Assert.True(report.Kind == BugKind.Deadlock, report.ToString());
        Assert.Contains("LockAsync", report.Message, StringComparison.Ordinal);
    }

    private static void AssertUncontrolled(ExplorerReport report, string expected)
    {
        Assert.True(report.Kind == BugKind.UncontrolledConcurrency && report.Message!.Contains(expected, StringComparison.Ordinal), $"Expected UncontrolledConcurrency with {expected}, got {report}");
        Assert.NotEqual(BugKind.Deadlock, report.Kind);
        Assert.Contains(expected, report.Message, StringComparison.Ordinal);
        Assert.Contains("Explorer.Spawn", report.Message, StringComparison.Ordinal);
    }
}
