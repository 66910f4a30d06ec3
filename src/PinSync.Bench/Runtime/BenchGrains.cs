using PinSync.Runtime;

namespace PinSync.Bench.Runtime;

/// <summary>The grain the runtime benchmarks call: one cheap method, synchronous inside the grain.</summary>
public interface IBenchGrain : IGrain
{
    ValueTask<int> Add(int value);
}

/// <summary>The same contract on a reentrant class.</summary>
public interface IReentrantBenchGrain : IGrain
{
    ValueTask<int> Add(int value);
}

/// <summary>A grain that calls another grain (for the call-cycle report latency).</summary>
public interface IChainBenchGrain : IGrain
{
    ValueTask<int> CallBack(string via, string back);

    ValueTask<int> Forward(string back);

    ValueTask<int> Leaf();
}
