using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public sealed class GrainTestException(string message) : Exception(message);

public interface IFaultyGrain : IGrain
{
    ValueTask ThrowAfterAwait(string message);

    /// <summary>Not async: throws synchronously from the method itself.</summary>
    ValueTask<int> ThrowSynchronously(string message);

    Task<int> ThrowFromTask(string message);

    /// <summary>Waits on its token (forever unless cancelled) and records the cancellation.</summary>
    Task WaitForCancellation(CancellationToken cancellationToken);

    ValueTask<int> Echo(int value);
}

public sealed class FaultyGrain : Grain, IFaultyGrain
{
    public async ValueTask ThrowAfterAwait(string message)
    {
        await Task.Yield();
        throw new GrainTestException(message);
    }

    public ValueTask<int> ThrowSynchronously(string message) => throw new InvalidOperationException(message);

    public async Task<int> ThrowFromTask(string message)
    {
        await Task.Yield();
        throw new ArgumentException(message);
    }

    public async Task WaitForCancellation(CancellationToken cancellationToken)
    {
        var events = GrainEvents.For(GrainKey);
        events.WaitingForCancellation.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            events.TokenCancelled.TrySetResult();
            throw;
        }
    }

    public ValueTask<int> Echo(int value) => new(value);
}
