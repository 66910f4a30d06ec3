namespace PinSync.Testing;

/// <summary>
/// Test-framework glue without a test-framework dependency: each method runs the explorer and throws an
/// <see cref="ExplorerAssertException"/> (which every runner reports as a failure) when the expectation is not met.
/// </summary>
/// <remarks>Thread-safe; runs are serialized process-wide (see <see cref="Explorer"/>).</remarks>
public static class ExplorerAssert
{
    /// <summary>Asserts that no schedule of <paramref name="body"/> has a bug.</summary>
    /// <param name="body">The test body.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <returns>The report (for iteration counts, coverage).</returns>
    /// <exception cref="ExplorerAssertException">A bug was found; the message has the readable schedule and the
    /// replay trace.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    public static ExplorerReport NoBugs(Func<Task> body, ExplorerOptions? options = null)
    {
        var report = Explorer.Run(body, options);
        if (report.BugFound)
        {
            throw new ExplorerAssertException(report.ToString(), report);
        }

        return report;
    }

    /// <summary>Asserts that no schedule of the synchronous <paramref name="body"/> has a bug.</summary>
    /// <param name="body">The test body.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ExplorerAssertException">A bug was found.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    public static ExplorerReport NoBugs(Action body, ExplorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return NoBugs(() =>
        {
            body();
            return Task.CompletedTask;
        }, options);
    }

    /// <summary>
    /// Asserts that the explorer finds a bug of kind <paramref name="expected"/> in <paramref name="body"/> within the
    /// options' iteration budget, and that replaying its trace reproduces the same kind of bug with the same message.
    /// </summary>
    /// <param name="body">The buggy test body.</param>
    /// <param name="expected">The expected kind, or <see langword="null"/> for any.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <returns>The report of the exploration that found the bug.</returns>
    /// <exception cref="ExplorerAssertException">No bug, a bug of another kind, or a replay that does not
    /// reproduce it.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    public static ExplorerReport FindsBug(Func<Task> body, BugKind? expected = null, ExplorerOptions? options = null)
    {
        var report = Explorer.Run(body, options);
        if (!report.BugFound)
        {
            throw new ExplorerAssertException($"Expected a bug{(expected is { } e ? " (" + e + ")" : string.Empty)}, but none was " +
                $"found: {report}", report);
        }

        if (expected is { } kind && report.Kind != kind)
        {
            throw new ExplorerAssertException($"Expected a {kind} bug, but found: {report}", report);
        }

        var replay = Explorer.Replay(report.Trace!, body);
        if (replay.Kind != report.Kind || replay.Message != report.Message)
        {
            throw new ExplorerAssertException($"The trace did not reproduce the bug. Original: {report.Kind}: {report.Message}\n" +
                $"Replay: {replay.Kind}: {replay.Message}\nTrace: {report.Trace}", replay);
        }

        return report;
    }

    /// <summary>Asserts that the explorer finds a bug in the synchronous <paramref name="body"/> and that its trace
    /// replays (see <see cref="FindsBug(Func{Task}, BugKind?, ExplorerOptions?)"/>).</summary>
    /// <param name="body">The buggy test body.</param>
    /// <param name="expected">The expected kind, or <see langword="null"/> for any.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <returns>The report of the exploration that found the bug.</returns>
    /// <exception cref="ExplorerAssertException">No bug, a bug of another kind, or a replay that does not
    /// reproduce it.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    public static ExplorerReport FindsBug(Action body, BugKind? expected = null, ExplorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FindsBug(() =>
        {
            body();
            return Task.CompletedTask;
        }, expected, options);
    }
}
