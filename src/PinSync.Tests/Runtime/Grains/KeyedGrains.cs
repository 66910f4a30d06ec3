using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

/// <summary>Written in Orleans' model (key interfaces, GetPrimaryKey*, RegisterGrainTimer): compiles unchanged against
/// Orleans with <c>using Orleans;</c>.</summary>
public interface IIntegerKeyGrain : IGrainWithIntegerKey
{
    ValueTask<long> Key();

    ValueTask<string> KeyText();
}

public interface IGuidKeyGrain : IGrainWithGuidKey
{
    ValueTask<Guid> Key();
}

public interface IStringKeyGrain : IGrainWithStringKey
{
    ValueTask<string> Key();

    /// <summary>Asks for the key as an integer (fails: it is a string key).</summary>
    ValueTask<long> KeyAsInteger();
}

public interface ITickingGrain : IGrainWithStringKey
{
    /// <summary>Starts a timer every <paramref name="period"/> that counts ticks in <see cref="GrainEvents"/>.</summary>
    ValueTask Start(TimeSpan period, bool keepAlive);

    /// <summary>Pauses the timer (<c>Change(Infinite, Infinite)</c>).</summary>
    ValueTask Pause();

    /// <summary>Resumes the timer at once, with its period.</summary>
    ValueTask Resume(TimeSpan period);

    ValueTask<Guid> Instance();
}

public sealed class IntegerKeyGrain : Grain, IIntegerKeyGrain
{
    public ValueTask<long> Key() => new(this.GetPrimaryKeyLong());

    public ValueTask<string> KeyText() => new(this.GetPrimaryKeyString());
}

public sealed class GuidKeyGrain : Grain, IGuidKeyGrain
{
    public ValueTask<Guid> Key() => new(this.GetPrimaryKey());
}

public sealed class StringKeyGrain : Grain, IStringKeyGrain
{
    public ValueTask<string> Key() => new(this.GetPrimaryKeyString());

    public ValueTask<long> KeyAsInteger() => new(this.GetPrimaryKeyLong());
}

public sealed class TickingGrain : Grain, ITickingGrain
{
    private readonly Guid _instance = Guid.NewGuid();
    private IGrainTimer? _timer;

    public ValueTask Start(TimeSpan period, bool keepAlive)
    {
        var events = GrainEvents.For(this.GetPrimaryKeyString());
        _timer = RegisterGrainTimer(static (events, _) =>
        {
            if (events.Ticked() == 3)
            {
                events.ThreeTicks.TrySetResult(3);
            }

            return Task.CompletedTask;
        }, events, new GrainTimerCreationOptions(TimeSpan.Zero, period) { KeepAlive = keepAlive });
        return ValueTask.CompletedTask;
    }

    public ValueTask Pause()
    {
        _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return ValueTask.CompletedTask;
    }

    public ValueTask Resume(TimeSpan period)
    {
        _timer!.Change(TimeSpan.Zero, period);
        return ValueTask.CompletedTask;
    }

    public ValueTask<Guid> Instance() => new(_instance);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        GrainEvents.For(this.GetPrimaryKeyString()).LastReason = reason;
        return Task.CompletedTask;
    }
}
