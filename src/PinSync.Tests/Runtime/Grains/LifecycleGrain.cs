using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public interface ILifecycleGrain : IGrain
{
    /// <summary>This activation's instance id (a new activation has a new one).</summary>
    ValueTask<Guid> Instance();

    ValueTask<Guid> DeactivateAfterThis();

    /// <summary>Awaits <see cref="GrainEvents.Gate"/> of its key.</summary>
    ValueTask Block();

    /// <summary>Starts a periodic timer whose ticks await (to catch overlaps) and count.</summary>
    ValueTask StartTimer(TimeSpan period, bool interleave);

    /// <summary>A request that holds the activation for <paramref name="turns"/> yields (timer ticks must not run meanwhile).</summary>
    ValueTask LongRequest(int turns);
}

public sealed class LifecycleGrain : Grain, ILifecycleGrain
{
    private readonly Guid _instance = Guid.NewGuid();
    private GrainEvents _events = null!;
    private bool _inTick;
    private bool _inRequest;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _events = GrainEvents.For(GrainKey);
        _events.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _events.LastReason = reason;
        _events.Deactivating();
        _events.Deactivated.TrySetResult();
        return Task.CompletedTask;
    }

    public ValueTask<Guid> Instance() => new(_instance);

    public ValueTask<Guid> DeactivateAfterThis()
    {
        DeactivateOnIdle();
        return new(_instance);
    }

    public async ValueTask Block() => await _events.Gate.Task;

    public ValueTask StartTimer(TimeSpan period, bool interleave)
    {
        RegisterTimer(Tick, TimeSpan.Zero, period, interleave);
        return ValueTask.CompletedTask;
    }

    public async ValueTask LongRequest(int turns)
    {
        _inRequest = true;
        for (var i = 0; i < turns; i++)
        {
            await Task.Yield();
        }

        _inRequest = false;
    }

    private async Task Tick(CancellationToken cancellationToken)
    {
        if (_inTick)
        {
            _events.Overlapped();
        }

        if (_inRequest)
        {
            _events.TickedDuringRequest();
        }

        _inTick = true;
        await Task.Yield();
        _inTick = false;
        if (_events.Ticked() == 3)
        {
            _events.ThreeTicks.TrySetResult(3);
        }
    }
}
