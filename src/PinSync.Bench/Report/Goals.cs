namespace PinSync.Bench.Report;

/// <summary>
/// A PinSync case measured against a BCL baseline of the same class and parameters, with the goal of issue 5 where
/// it sets one.
/// </summary>
/// <param name="Family">Section heading.</param>
/// <param name="Type">Benchmark class name.</param>
/// <param name="Method">The PinSync method.</param>
/// <param name="Baseline">The BCL method it is compared to.</param>
/// <param name="Goal">Ratio goal (PinSync mean / baseline mean ≤ goal) for a case's parameters, or null for none.</param>
/// <param name="ZeroAllocation">Whether the goal includes 0 B allocated per operation.</param>
/// <param name="PeerGoal">Goal for PinSync mean / best peer mean (issue 13), or null for the default, 1.0 (ahead of
/// every peer).</param>
internal sealed record Comparison(
    string Family,
    string Type,
    string Method,
    string Baseline,
    Func<IReadOnlyDictionary<string, string>, double?> Goal,
    bool ZeroAllocation = false,
    Func<IReadOnlyDictionary<string, string>, double?>? PeerGoal = null)
{
    /// <summary>The goal against the best peer for a case's parameters.</summary>
    public double PeerGoalFor(IReadOnlyDictionary<string, string> parameters) => PeerGoal?.Invoke(parameters) ?? 1.0;
}

/// <summary>The comparisons of the suite and their goals (issue 5).</summary>
internal static class Goals
{
    /// <summary>Goal for max wait of a PinnedMutex waiter under saturation, in microseconds.</summary>
    internal const double MaxWaitGoalUs = 2000;

    /// <summary>Whether <paramref name="method"/> of benchmark class <paramref name="type"/> measures PinSync (every
    /// other method of a class is a peer).</summary>
    internal static bool IsPinSync(string type, string method) =>
        All.Any(c => c.Type == type && c.Method == method) || s_otherPinSyncMethods.Contains($"{type}.{method}");

    // PinSync cases that have no comparison of their own (they are no peer of anything).
    private static readonly HashSet<string> s_otherPinSyncMethods =
    [
        "PinBoxBenchmarks.SmallCreateDispose",
        "PinBoxBenchmarks.SmallZeroedCreateDispose",
    ];

    internal static readonly Comparison[] All =
    [
        new("Uncontended async", "UncontendedAsyncBenchmarks", "PinnedMutexLockAsync", "SemaphoreSlimWaitAsync", _ => 0.45),
        new("Uncontended async", "UncontendedAsyncBenchmarks", "PinnedSemaphoreWaitAsync", "SemaphoreSlimWaitAsync", _ => null),
        new("Uncontended sync", "UncontendedSyncBenchmarks", "PinnedMutexLock", "LockEnterScope", _ => 1.2),
        new("Uncontended sync", "UncontendedSyncBenchmarks", "PinnedMutexLock", "MonitorLock", _ => null),
        new("Uncontended sync", "UncontendedSyncBenchmarks", "RawMutexLock", "LockEnterScope", _ => null),
        new("Contended async", "ContendedAsyncBenchmarks", "PinnedMutexRound", "SemaphoreSlimRound",
            p => p.TryGetValue("Wait", out var wait) && wait == "Plain" ? 0.7 : 0.6, ZeroAllocation: true,
            PeerGoal: p => p.TryGetValue("Body", out var body) && body == "Yield" ? 0.8 : null),
        new("Contended sync", "ContendedSyncBenchmarks", "PinnedMutexRound", "LockRound", _ => 1.0),
        new("Contended sync", "ContendedSyncBenchmarks", "PinnedMutexRound", "MonitorRound", _ => null),
        new("Contended sync", "ContendedSyncBenchmarks", "PinnedMutexRound", "SemaphoreSlimRound", _ => null),
        new("CondVar ping-pong", "CondVarPingPongSyncBenchmarks", "CondVarPingPong", "MonitorPingPong", _ => 1.0),
        new("CondVar ping-pong", "CondVarPingPongAsyncBenchmarks", "CondVarPingPong", "SemaphoreSlimPingPong", _ => 1.0),
        new("Mixed blocking/async", "MixedContentionBenchmarks", "PinnedMutexRound", "SemaphoreSlimRound", _ => 1.5),
        new("Mixed blocking/async", "MixedContentionBenchmarks", "PinnedSemaphoreRound", "SemaphoreSlimRound", _ => 1.5),
        new("Semaphore throttling", "SemaphoreThrottlingBenchmarks", "PinnedSemaphoreThrottle", "SemaphoreSlimThrottle", _ => null,
            ZeroAllocation: true),
        new("Pinning", "PinBoxBenchmarks", "BigInPlace", "BigOnHeapThenCopied", _ => null),
    ];
}
