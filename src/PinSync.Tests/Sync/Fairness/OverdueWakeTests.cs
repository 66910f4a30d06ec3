namespace PinSync.Tests.Sync.Fairness;

/// <summary>
/// A task that re-takes a lock in a loop on the only free pool thread cannot starve the waiter its release woke: the
/// wake becomes overdue after the starvation bound and newcomers queue (RawMutex.Overdue.cs). Each case runs in a
/// child process (<see cref="OverdueWakeScenarios"/>); each fix has a twin with the check switched off, which must
/// reproduce the starvation, so the scenario is known to detect it.
/// </summary>
public sealed class OverdueWakeTests
{
    [Fact]
    public void Mutex_a_re_taking_task_yields_to_its_overdue_woken_waiter() =>
        ChildProcess.Run(OverdueWakeScenarios.MutexBargerYieldsToOverdueWake);

    [Fact]
    public void Mutex_without_the_overdue_check_the_woken_waiter_starves() =>
        ChildProcess.Run(OverdueWakeScenarios.MutexWithoutOverdueCheckStarvesItsWokenWaiter);

    [Fact]
    public void Semaphore_a_re_taking_task_yields_to_its_overdue_woken_waiter() =>
        ChildProcess.Run(OverdueWakeScenarios.SemaphoreBargerYieldsToOverdueWake);

    [Fact]
    public void Semaphore_without_the_overdue_check_the_woken_waiter_starves() =>
        ChildProcess.Run(OverdueWakeScenarios.SemaphoreWithoutOverdueCheckStarvesItsWokenWaiter);
}
