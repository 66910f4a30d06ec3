using System.Collections.Concurrent;
using PinSync.Runtime;
using PinSync.Testing;

namespace PinSync.Tests.Runtime.Grains;

/// <summary>The grain of the request-pooling tests: answers at once, fails, or holds its answer until a test opens its
/// gate (so a call can time out or be cancelled while the grain still runs, and complete late).</summary>
public interface IPoolProbeGrain : IGrainWithStringKey
{
    ValueTask<int> Echo(int value);

    /// <summary>Throws synchronously (the method is not async).</summary>
    ValueTask<int> ThrowNow(int value);

    /// <summary>Yields, then throws.</summary>
    ValueTask<int> ThrowLater(int value);

    /// <summary>Returns <paramref name="value"/> once the test opens the grain's gate (<see cref="PoolProbeGrain.Gate"/>),
    /// whatever happens to the call meanwhile; the token is ignored on purpose.</summary>
    ValueTask<int> Hold(int value, CancellationToken cancellationToken);

    /// <summary>Waits <paramref name="delayMilliseconds"/> of explorer time, then returns <paramref name="value"/>.</summary>
    ValueTask<int> DelayThenEcho(int value, int delayMilliseconds, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="target"/>'s <see cref="Echo"/> (grain → grain).</summary>
    ValueTask<int> Forward(string target, int value);

    /// <summary>Asks for deactivation once idle.</summary>
    ValueTask Deactivate();
}

public sealed class PoolProbeGrain : Grain, IPoolProbeGrain
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_gates = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_started = new();

    /// <summary>Completed once the grain with <paramref name="key"/> runs <see cref="Hold"/> (made on first use).</summary>
    public static TaskCompletionSource Started(string key) =>
        s_started.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The gate of the grain with <paramref name="key"/> (made on first use).</summary>
    public static TaskCompletionSource Gate(string key) =>
        s_gates.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public ValueTask<int> Echo(int value) => new(value);

    public ValueTask<int> ThrowNow(int value) => throw new GrainTestException("now " + value);

    public async ValueTask<int> ThrowLater(int value)
    {
        await Task.Yield();
        throw new GrainTestException("later " + value);
    }

    public async ValueTask<int> Hold(int value, CancellationToken cancellationToken)
    {
        Started(this.GetPrimaryKeyString()).TrySetResult();
        await Gate(this.GetPrimaryKeyString()).Task;
        return value;
    }

    public async ValueTask<int> DelayThenEcho(int value, int delayMilliseconds, CancellationToken cancellationToken)
    {
        await Explorer.Delay(delayMilliseconds);
        return value;
    }

    public ValueTask<int> Forward(string target, int value) => GrainFactory.GetGrain<IPoolProbeGrain>(target).Echo(value);

    public ValueTask Deactivate()
    {
        DeactivateOnIdle();
        return default;
    }
}
