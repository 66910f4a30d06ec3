using PinSync.Runtime;

namespace PinSync.Bench.Runtime;

/// <summary>Non-reentrant counter.</summary>
public sealed class BenchGrain : Grain, IBenchGrain
{
    private int _total;

    public ValueTask<int> Add(int value) => new(_total += value);
}

/// <summary>Reentrant counter.</summary>
[Reentrant]
public sealed class ReentrantBenchGrain : Grain, IReentrantBenchGrain
{
    private int _total;

    public ValueTask<int> Add(int value) => new(_total += value);
}

/// <summary>A → B → A (A non-reentrant): the runtime reports the cycle.</summary>
public sealed class ChainBenchGrain : Grain, IChainBenchGrain
{
    public async ValueTask<int> CallBack(string via, string back) => await GrainFactory.GetGrain<IChainBenchGrain>(via).Forward(back);

    public async ValueTask<int> Forward(string back) => await GrainFactory.GetGrain<IChainBenchGrain>(back).Leaf();

    public ValueTask<int> Leaf() => new(1);
}

/// <summary>Non-reentrant; see <see cref="ICrossBenchGrain"/>.</summary>
public sealed class CrossBenchGrain : Grain, ICrossBenchGrain
{
    public async ValueTask<int> CallAfterMeeting(string other, Task meeting)
    {
        await meeting;
        return await GrainFactory.GetGrain<ICrossBenchGrain>(other).Leaf();
    }

    public ValueTask<int> Leaf() => new(1);
}
