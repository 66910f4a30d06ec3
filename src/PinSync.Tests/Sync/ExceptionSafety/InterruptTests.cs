namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>
/// <see cref="Thread.Interrupt"/> against every blocking wait (issue 11). Each scenario runs in a child process: before
/// the fix these crashed the process with an access violation, so a regression fails its one test, not the test host.
/// </summary>
public sealed class InterruptTests
{
    [Fact]
    public void Mutex_Lock_interrupted_unlinks_its_node() => ChildProcess.Run(InterruptScenarios.MutexLock);

    [Fact]
    public void Mutex_TryLock_with_timeout_interrupted_unlinks_its_node() => ChildProcess.Run(InterruptScenarios.MutexTryLockTimeout);

    [Fact]
    public void Mutex_Lock_with_token_interrupted_unlinks_its_node() => ChildProcess.Run(InterruptScenarios.MutexLockWithToken);

    [Fact]
    public void Semaphore_Wait_interrupted_unlinks_its_node() => ChildProcess.Run(InterruptScenarios.SemaphoreWait);

    [Fact]
    public void Semaphore_Wait_with_timeout_interrupted_unlinks_its_node() => ChildProcess.Run(InterruptScenarios.SemaphoreWaitTimeout);

    [Fact]
    public void Semaphore_Wait_with_token_interrupted_unlinks_its_node() => ChildProcess.Run(InterruptScenarios.SemaphoreWaitToken);

    [Fact]
    public void CondVar_Wait_interrupted_re_holds_the_mutex_under_the_same_guard() => ChildProcess.Run(InterruptScenarios.CondVarWait);

    [Fact]
    public void CondVar_Wait_with_timeout_interrupted_re_holds_the_mutex() => ChildProcess.Run(InterruptScenarios.CondVarWaitTimeout);

    [Fact]
    public void WaitQueue_WaitUntil_interrupted_unlinks_its_node() => ChildProcess.Run(InterruptScenarios.WaitQueueWait);

    [Fact]
    public void Mutex_grant_racing_an_interrupt_never_leaves_the_mutex_locked() => ChildProcess.Run(InterruptScenarios.MutexGrantRacesInterrupt);

    [Fact]
    public void Semaphore_grant_racing_an_interrupt_never_loses_the_permit() => ChildProcess.Run(InterruptScenarios.SemaphoreGrantRacesInterrupt);

    [Fact]
    public void CondVar_notification_racing_an_interrupt_is_never_lost() => ChildProcess.Run(InterruptScenarios.CondVarNotifyRacesInterrupt);

    [Fact]
    public void WaitQueue_wakeup_racing_an_interrupt_is_never_lost() => ChildProcess.Run(InterruptScenarios.WaitQueueWakeRacesInterrupt);
}
