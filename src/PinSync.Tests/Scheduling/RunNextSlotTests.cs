namespace PinSync.Tests.Scheduling;

/// <summary>
/// The run-next slot: a completion queued inside a completion runs on the same thread right after it, no completion
/// is stranded in a slot (the rescue, the park's flush), and the ambient state does not leak from one completion to
/// the next. Scenarios in <see cref="RunNextScenarios"/>; the ones that switch something off run in a child process.
/// </summary>
public sealed class RunNextSlotTests
{
    [Fact]
    public void A_completion_queued_inside_a_completion_runs_from_the_slot() =>
        ChildProcess.Run(RunNextScenarios.HandoffsRunFromTheSlot);

    [Fact]
    public void Chains_of_handoffs_past_the_budget_complete() =>
        ChildProcess.Run(RunNextScenarios.LongChainsPastTheBudgetComplete);

    [Fact]
    public void Without_the_slot_no_completion_runs_from_it() =>
        ChildProcess.Run(RunNextScenarios.WithoutTheSlotNoHandoffRunsFromIt);

    [Fact]
    public void The_AppContext_switch_turns_the_slot_off() =>
        ChildProcess.Run(RunNextScenarios.TheAppContextSwitchTurnsTheSlotOff);

    [Fact]
    public void A_completion_held_by_a_blocked_thread_is_rescued() =>
        ChildProcess.Run(RunNextScenarios.BlockedOwnerIsRescued);

    [Fact]
    public void Without_the_rescue_a_blocked_thread_strands_its_slot() =>
        ChildProcess.Run(RunNextScenarios.WithoutTheRescueBlockedOwnerStrandsItsSlot);

    [Fact]
    public void A_PinSync_park_moves_the_slot_to_the_thread_pool() =>
        ChildProcess.Run(RunNextScenarios.PinSyncParkFlushesTheSlot);

    [Fact]
    public void Ambient_state_does_not_leak_into_the_next_completion_run_from_the_slot() =>
        ChildProcess.Run(RunNextScenarios.AmbientStateDoesNotLeakIntoTheNextCompletion);
}
