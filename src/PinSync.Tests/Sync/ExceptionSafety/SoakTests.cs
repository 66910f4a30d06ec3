namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>The primitives' soak (<see cref="SoakScenario"/>), in a child process. A few seconds in the default run;
/// <c>PINSYNC_STRESS=1</c> runs it for 60 s.</summary>
public sealed class SoakTests
{
    [Fact]
    public void Soak_blocking_and_async_waits_with_timeouts_cancellations_and_interrupts_stay_exact() =>
        ChildProcess.Run(SoakScenario.Run);
}
