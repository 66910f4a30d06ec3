namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>
/// The explorer's teardown of deadlocked schedules of blocking waits leaves no node linked (issue 11):
/// <see cref="TeardownScenarios.Deadlocks"/> deadlocks per program and strategy, each reported with its trace, every
/// primitive whole after each teardown. In a child process: before the fix the first program crashed the process.
/// </summary>
public sealed class TeardownTests
{
    [Fact]
    public void Blocking_ABBA_deadlock_random() => ChildProcess.Run(TeardownScenarios.BlockingAbbaRandom);

    [Fact]
    public void Blocking_ABBA_deadlock_pct() => ChildProcess.Run(TeardownScenarios.BlockingAbbaPct);

    [Fact]
    public void Blocking_ABBA_deadlock_dfs() => ChildProcess.Run(TeardownScenarios.BlockingAbbaDfs);

    [Fact]
    public void Semaphore_mutex_deadlock_random() => ChildProcess.Run(TeardownScenarios.SemaphoreMutexRandom);

    [Fact]
    public void Semaphore_mutex_deadlock_pct() => ChildProcess.Run(TeardownScenarios.SemaphoreMutexPct);

    [Fact]
    public void Semaphore_mutex_deadlock_dfs() => ChildProcess.Run(TeardownScenarios.SemaphoreMutexDfs);

    [Fact]
    public void CondVar_deadlock_random() => ChildProcess.Run(TeardownScenarios.CondVarRandom);

    [Fact]
    public void CondVar_deadlock_pct() => ChildProcess.Run(TeardownScenarios.CondVarPct);

    [Fact]
    public void CondVar_deadlock_dfs() => ChildProcess.Run(TeardownScenarios.CondVarDfs);
}
