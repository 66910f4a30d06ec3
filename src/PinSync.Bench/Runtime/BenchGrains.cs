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

/// <summary>Independent call chains that meet first, so A → B ∥ B → A always deadlocks (for the wait-for graph's
/// report latency).</summary>
public interface ICrossBenchGrain : IGrainWithStringKey
{
    /// <summary>Waits until both chains' first requests run (<paramref name="meeting"/>), then calls
    /// <paramref name="other"/>'s <see cref="Leaf"/>.</summary>
    ValueTask<int> CallAfterMeeting(string other, Task meeting);

    ValueTask<int> Leaf();
}
