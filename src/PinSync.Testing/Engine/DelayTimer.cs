using PinSync.Scheduling;

namespace PinSync.Testing.Engine;

/// <summary>The timer behind <see cref="Explorer.Delay(TimeSpan)"/>: completes a task when it fires on the virtual
/// clock. Continuations of the task run inline, inside the timer's operation.</summary>
internal sealed class DelayTimer : SchedulingTimer
{
    private readonly TaskCompletionSource _completion = new();

    /// <summary>Completes when the timer fires.</summary>
    internal Task Task => _completion.Task;

    /// <inheritdoc />
    public override string ToString() => "Explorer.Delay";

    /// <inheritdoc />
    protected override void OnFire() => _completion.TrySetResult();
}
