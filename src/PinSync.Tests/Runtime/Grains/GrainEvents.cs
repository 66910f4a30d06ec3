using System.Collections.Concurrent;
using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

/// <summary>What test grains report to the tests, per grain key (keys are unique per test: tests run in parallel).</summary>
public sealed class GrainEvents
{
    private static readonly ConcurrentDictionary<string, GrainEvents> s_byKey = new();

    private int _activations;
    private int _deactivations;
    private int _timerTicks;
    private int _timerOverlaps;
    private int _ticksDuringRequest;

    public int Activations => Volatile.Read(ref _activations);
    public int Deactivations => Volatile.Read(ref _deactivations);
    public int TimerTicks => Volatile.Read(ref _timerTicks);
    public int TimerOverlaps => Volatile.Read(ref _timerOverlaps);
    public int TicksDuringRequest => Volatile.Read(ref _ticksDuringRequest);
    public DeactivationReason? LastReason { get; set; }
    public TaskCompletionSource Deactivated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource TokenCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource WaitingForCancellation { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource<int> ThreeTicks { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _met;

    /// <summary>Completes when <see cref="Meet"/> has been called the number of times the first caller named.</summary>
    public TaskCompletionSource Met { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A rendezvous outside any grain: completes when <paramref name="parties"/> callers arrived.</summary>
    public Task Meet(int parties)
    {
        if (Interlocked.Increment(ref _met) == parties)
        {
            Met.TrySetResult();
        }

        return Met.Task;
    }

    public static GrainEvents For(string key) => s_byKey.GetOrAdd(key, static _ => new GrainEvents());

    public static string NewKey(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N");

    public int Activated() => Interlocked.Increment(ref _activations);
    public void Deactivating() => Interlocked.Increment(ref _deactivations);
    public int Ticked() => Interlocked.Increment(ref _timerTicks);
    public void Overlapped() => Interlocked.Increment(ref _timerOverlaps);
    public void TickedDuringRequest() => Interlocked.Increment(ref _ticksDuringRequest);
}
