using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

/// <summary>Calls between grains of independent call chains (A → B ∥ B → A).</summary>
public interface ICrossGrain : IGrain
{
    /// <summary>Waits until <paramref name="parties"/> requests met at <paramref name="meeting"/> (so every chain's
    /// first request is running), then calls <paramref name="other"/>'s <see cref="Leaf"/>.</summary>
    ValueTask<string> CallAfterMeeting(string other, string meeting, int parties);

    /// <summary>Yields once (a turn boundary), then calls <paramref name="other"/>'s <see cref="Leaf"/>.</summary>
    ValueTask<string> CallAfterYield(string other);

    /// <summary>Holds this non-reentrant grain until <paramref name="gate"/>'s gate opens.</summary>
    ValueTask<string> Hold(string gate);

    ValueTask<string> Leaf();
}

/// <summary>Non-reentrant.</summary>
public sealed class CrossGrain : Grain, ICrossGrain
{
    public async ValueTask<string> CallAfterMeeting(string other, string meeting, int parties)
    {
        await GrainEvents.For(meeting).Meet(parties);
        return await GrainFactory.GetGrain<ICrossGrain>(other).Leaf();
    }

    public async ValueTask<string> CallAfterYield(string other)
    {
        await Task.Yield();
        return await GrainFactory.GetGrain<ICrossGrain>(other).Leaf();
    }

    public async ValueTask<string> Hold(string gate)
    {
        await GrainEvents.For(gate).Gate.Task;
        return "held:" + GrainKey;
    }

    public ValueTask<string> Leaf() => new("leaf:" + GrainKey);
}
