using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public interface IReentrantCounterGrain : IGrain
{
    ValueTask<int> Increment();

    ValueTask<(int ThreadViolations, int MaxRequestsInside)> Probe();

    /// <summary>Waits until <paramref name="parties"/> requests are inside at once (possible only with interleaving).</summary>
    ValueTask<int> Rendezvous(int parties);

    Task Append(string tag);

    Task<string> Log();
}

[Reentrant]
public sealed class ReentrantCounterGrain : Grain, IReentrantCounterGrain
{
    private readonly TurnProbe _probe = new();
    private readonly TaskCompletionSource _all = new();
    private int _value;
    private int _arrived;
    private string _log = "";

    public async ValueTask<int> Increment()
    {
        _probe.EnterRequest();
        _probe.EnterSegment();
        _value++;
        _probe.ExitSegment();
        await Task.Yield();
        _probe.EnterSegment();
        var now = _value;
        _probe.ExitSegment();
        _probe.ExitRequest();
        return now;
    }

    public ValueTask<(int ThreadViolations, int MaxRequestsInside)> Probe() => new((_probe.ThreadViolations, _probe.MaxRequestsInside));

    public async ValueTask<int> Rendezvous(int parties)
    {
        if (++_arrived == parties)
        {
            _all.TrySetResult();
        }

        await _all.Task;
        return _arrived;
    }

    public async Task Append(string tag)
    {
        _log += tag + "<";
        await Task.Yield();
        _log += tag + ">";
    }

    public Task<string> Log() => Task.FromResult(_log);
}
