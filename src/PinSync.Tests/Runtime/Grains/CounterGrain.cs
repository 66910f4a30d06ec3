using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public interface ICounterGrain : IGrain
{
    /// <summary>Increments with awaits between reading and writing (a lost update if turns interleaved).</summary>
    ValueTask<int> Increment();

    ValueTask<int> Get();

    ValueTask<(int ThreadViolations, int MaxRequestsInside)> Probe();

    /// <summary>Appends "tag&lt;", yields, appends "tag&gt;".</summary>
    Task Append(string tag);

    Task<string> Log();
}

/// <summary>Non-reentrant (the default).</summary>
public sealed class CounterGrain : Grain, ICounterGrain
{
    private readonly TurnProbe _probe = new();
    private int _value;
    private string _log = "";

    public async ValueTask<int> Increment()
    {
        _probe.EnterRequest();
        _probe.EnterSegment();
        var read = _value;
        _probe.ExitSegment();
        await Task.Yield();
        _probe.EnterSegment();
        _value = read + 1;
        _probe.ExitSegment();
        _probe.ExitRequest();
        return read + 1;
    }

    public ValueTask<int> Get() => new(_value);

    public ValueTask<(int ThreadViolations, int MaxRequestsInside)> Probe() => new((_probe.ThreadViolations, _probe.MaxRequestsInside));

    public async Task Append(string tag)
    {
        _log += tag + "<";
        await Task.Yield();
        _log += tag + ">";
    }

    public Task<string> Log() => Task.FromResult(_log);
}
