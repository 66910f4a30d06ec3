using System.Globalization;
using PinSync.Testing;
using PinSync.Tests.Testing.Toys;
using Xunit.Abstractions;

namespace PinSync.Tests.Testing;

/// <summary>Iterations per second of short explorer programs (figures for docs/explorer.md). Opt-in: set
/// PINSYNC_STRESS=1.</summary>
public sealed class ExplorerThroughputTests(ITestOutputHelper output) : TestBase
{
    [StressFact]
    [Trait("Category", "Stress")]
    public void Run_ShortPrograms_ReportsIterationsPerSecond()
    {
        Measure("2 ops, toy blocking lock", () =>
        {
            var gate = new ToyLock();
            var counter = 0;
            void Work()
            {
                gate.Enter();
                counter++;
                gate.Exit();
            }

            return Task.WhenAll(Explorer.Spawn(Work), Explorer.Spawn(Work));
        });
        Measure("2 ops, toy async lock", () =>
        {
            var gate = new ToyAsyncLock();
            async Task Work()
            {
                await gate.LockAsync();
                gate.Unlock();
            }

            return Task.WhenAll(Explorer.Spawn(Work), Explorer.Spawn(Work));
        });
        Measure("2 ops, lost update (Interleave)", ExplorerTestPrograms.AtomicUpdate);
        Measure("2 ops, PinnedMutex Lock + LockAsync", async () =>
        {
            using var mutex = new PinnedMutex<int>(0);
            var a = Explorer.Spawn(async () =>
            {
                using var guard = await mutex.LockAsync();
                guard.Value++;
            });
            var b = Explorer.Spawn(() =>
            {
                using var guard = mutex.Lock();
                guard.Value++;
            });
            await Task.WhenAll(a, b);
        });
        Measure("3 ops, PinnedSemaphore(2,2)", async () =>
        {
            using var semaphore = new PinnedSemaphore(2, 2);
            async Task UseAsync()
            {
                await semaphore.WaitAsync();
                semaphore.Release();
            }

            void Use()
            {
                semaphore.Wait();
                semaphore.Release();
            }

            await Task.WhenAll(Explorer.Spawn(UseAsync), Explorer.Spawn(Use), Explorer.Spawn(UseAsync));
        });
    }

    private void Measure(string name, Func<Task> body)
    {
        foreach (var strategy in new[] { Strategy.Random(), Strategy.Pct(3), Strategy.Dfs(2) })
        {
            Explorer.Run(body, new ExplorerOptions { Iterations = 200, Strategy = strategy, Seed = 1 });
            var report = ExplorerAssert.NoBugs(body, new ExplorerOptions { Iterations = 20_000, Strategy = strategy, Seed = 1 });
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-36} {strategy,-8} {report.IterationsPerSecond,8:F0} it/s  ({report.Iterations} it, max {report.MaxStepsObserved} steps" +
                $"{(report.SpaceCovered ? ", space covered" : string.Empty)})"));
        }
    }
}
