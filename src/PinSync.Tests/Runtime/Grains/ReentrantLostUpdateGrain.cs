using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public interface IReentrantLostUpdateGrain : IGrain
{
    ValueTask Increment();

    ValueTask<int> Get();
}

/// <summary>A known bug: reentrant, and its increment reads, awaits, then writes.</summary>
[Reentrant]
public sealed class ReentrantLostUpdateGrain : Grain, IReentrantLostUpdateGrain
{
    private int _value;

    public async ValueTask Increment()
    {
        var read = _value;
        await Task.Yield();
        _value = read + 1;
    }

    public ValueTask<int> Get() => new(_value);
}
