using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public interface IFailingActivationGrain : IGrain
{
    ValueTask<int> Attempts();
}

/// <summary>The first activation of each key fails.</summary>
public sealed class FailingActivationGrain : Grain, IFailingActivationGrain
{
    private int _attempt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _attempt = GrainEvents.For(GrainKey).Activated();
        return _attempt == 1 ? Task.FromException(new GrainTestException("activation failed once")) : Task.CompletedTask;
    }

    public ValueTask<int> Attempts() => new(_attempt);
}
