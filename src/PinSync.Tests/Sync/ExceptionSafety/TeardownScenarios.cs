using PinSync.Testing;
using PinSync.Tests.Testing;

namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>
/// Deadlocking programs of blocking waits, explored again and again (issue 11): ending each deadlocked schedule
/// unwinds the blocked flows' frames, and none may leave its stack node linked. Before the fix the ABBA program
/// crashed the process with an access violation on its second iteration. Run in a child process by
/// <see cref="TeardownTests"/>.
/// </summary>
internal static class TeardownScenarios
{
    /// <summary>How many deadlocked schedules each program has torn down per strategy.</summary>
    internal const int Deadlocks = 1000;

    internal static void BlockingAbbaRandom() => Repeat(BlockingAbba, "random");

    internal static void BlockingAbbaPct() => Repeat(BlockingAbba, "pct");

    internal static void BlockingAbbaDfs() => Repeat(BlockingAbba, "dfs");

    internal static void SemaphoreMutexRandom() => Repeat(SemaphoreMutex, "random");

    internal static void SemaphoreMutexPct() => Repeat(SemaphoreMutex, "pct");

    internal static void SemaphoreMutexDfs() => Repeat(SemaphoreMutex, "dfs");

    internal static void CondVarRandom() => Repeat(CondVarDeadlock, "random");

    internal static void CondVarPct() => Repeat(CondVarDeadlock, "pct");

    internal static void CondVarDfs() => Repeat(CondVarDeadlock, "dfs");

    /// <summary>Explores <paramref name="program"/> until <see cref="Deadlocks"/> deadlocked schedules were torn down
    /// (each run stops at its first), checking each report and, after each teardown, that the last iteration's
    /// primitives are whole: nobody queued, nothing held.</summary>
    private static void Repeat(Func<Probe, Func<Task>> program, string strategy)
    {
        ExplorerReport? first = null;
        var probe = new Probe();
        for (var run = 0; run < Deadlocks; run++)
        {
            var report = Explorer.Run(program(probe), new ExplorerOptions
            {
                Iterations = 200,
                Strategy = ExplorerTestPrograms.StrategyByName(strategy),
                Seed = (ulong)(run * 7919 + 1),
            });
            Assert.True(report.Kind == BugKind.Deadlock, $"run {run}: expected a deadlock, got {report}");
            Assert.False(string.IsNullOrEmpty(report.Trace), "a deadlock comes with its trace");
            Assert.Contains("is blocked in", report.Message, StringComparison.Ordinal);
            probe.AssertWhole(run);
            first ??= report;
        }

        // The trace of the first replays to the same deadlock, and that teardown is clean too.
        var replay = Explorer.Replay(first!.Trace!, program(probe));
        Assert.Equal(BugKind.Deadlock, replay.Kind);
        Assert.Equal(first.Message, replay.Message);
        probe.AssertWhole(-1);
    }

    /// <summary>Two flows take two mutexes in opposite orders with blocking <c>Lock()</c>.</summary>
    private static Func<Task> BlockingAbba(Probe probe) => () =>
    {
        var a = probe.Mutex();
        var b = probe.Mutex();
        var first = Explorer.Spawn(() =>
        {
            using var ga = a.Lock();
            using var gb = b.Lock();
        });
        var second = Explorer.Spawn(() =>
        {
            using var gb = b.Lock();
            using var ga = a.Lock();
        });
        return Task.WhenAll(new[] { first, second });
    };

    /// <summary>A semaphore's only permit and a mutex, taken in opposite orders with blocking waits.</summary>
    private static Func<Task> SemaphoreMutex(Probe probe) => () =>
    {
        var semaphore = probe.Semaphore();
        var mutex = probe.Mutex();
        var first = Explorer.Spawn(() =>
        {
            semaphore.Wait();
            try
            {
                using var g = mutex.Lock();
            }
            finally
            {
                semaphore.Release();
            }
        });
        var second = Explorer.Spawn(() =>
        {
            using var g = mutex.Lock();
            semaphore.Wait(probe.Token); // with a token: its registration goes with the teardown too
            semaphore.Release();
        });
        return Task.WhenAll(new[] { first, second });
    };

    /// <summary>
    /// A notified condition waiter is moved onto the mutex's list (the notifier holds the mutex), and the notifier
    /// then deadlocks with a third flow (ABBA on the mutex and another): the teardown finds one node on the condition
    /// variable's list or on the mutex's list after wait morphing, and two in plain lock waits.
    /// </summary>
    private static Func<Task> CondVarDeadlock(Probe probe) => () =>
    {
        var m = probe.Mutex();
        var n = probe.Mutex();
        var cv = probe.CondVar();
        var ready = false;
        var waiter = Explorer.Spawn(() =>
        {
            using var g = m.Lock();
            while (!ready)
            {
                cv.Wait(g);
            }
        });
        var notifier = Explorer.Spawn(() =>
        {
            using var g = m.Lock();
            ready = true;
            cv.NotifyOne();
            using var h = n.Lock();
        });
        var other = Explorer.Spawn(() =>
        {
            using var h = n.Lock();
            using var g = m.Lock();
        });
        return Task.WhenAll(new[] { waiter, notifier, other });
    };

    /// <summary>Keeps the primitives of the latest iteration, to check them after its teardown.</summary>
    internal sealed class Probe
    {
        private readonly CancellationTokenSource _source = new();

        internal CancellationToken Token => _source.Token;

        private readonly List<PinnedMutex<int>> _mutexes = new();
        private readonly List<PinnedSemaphore> _semaphores = new();
        private readonly List<PinSync.CondVar> _condVars = new();

        internal PinnedMutex<int> Mutex() => Add(_mutexes, new PinnedMutex<int>(0));

        internal PinnedSemaphore Semaphore() => Add(_semaphores, new PinnedSemaphore(1, 1));

        internal PinSync.CondVar CondVar() => Add(_condVars, new PinSync.CondVar());

        internal void AssertWhole(int run)
        {
            foreach (var mutex in _mutexes)
            {
                Assert.True(mutex.WaiterCount == 0 && !mutex.IsLocked, $"run {run}: a mutex left as {mutex}");
            }

            foreach (var semaphore in _semaphores)
            {
                Assert.True(semaphore.WaiterCount == 0 && semaphore.CurrentCount == 1, $"run {run}: a semaphore left as {semaphore}");
            }

            foreach (var condVar in _condVars)
            {
                Assert.True(condVar.WaiterCount == 0, $"run {run}: a condition variable left with {condVar.WaiterCount} waiters");
            }

            // Only the latest iteration's are kept (the explorer stops at the first deadlock of a run, but earlier
            // iterations of the run made primitives too, and those finished cleanly or were torn down the same way).
            Clear();
        }

        private T Add<T>(List<T> list, T item)
        {
            if (_mutexes.Count + _semaphores.Count + _condVars.Count >= 16)
            {
                Clear();
            }

            list.Add(item);
            return item;
        }

        private void Clear()
        {
            _mutexes.Clear();
            _semaphores.Clear();
            _condVars.Clear();
        }
    }
}
