using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public interface IRendezvousGrain : IGrain
{
    /// <summary>Waits until <paramref name="parties"/> requests are inside at once.</summary>
    ValueTask<int> Meet(int parties);

    /// <summary>The same, read-only: read-only requests may run together on this non-reentrant grain.</summary>
    [ReadOnly]
    ValueTask<int> MeetReadOnly(int parties);

    /// <summary>Interleaves with anything.</summary>
    [AlwaysInterleave]
    ValueTask<int> Arrived();

    /// <summary>Opens the rendezvous for whoever waits (interleaves with anything).</summary>
    [AlwaysInterleave]
    ValueTask Release();
}

/// <summary>Non-reentrant.</summary>
public sealed class RendezvousGrain : Grain, IRendezvousGrain
{
    private readonly TaskCompletionSource _all = new();
    private int _arrived;

    public async ValueTask<int> Meet(int parties)
    {
        if (++_arrived == parties)
        {
            _all.TrySetResult();
        }

        await _all.Task;
        return _arrived;
    }

    public ValueTask<int> MeetReadOnly(int parties) => Meet(parties);

    public ValueTask<int> Arrived() => new(_arrived);

    public ValueTask Release()
    {
        _all.TrySetResult();
        return ValueTask.CompletedTask;
    }
}
