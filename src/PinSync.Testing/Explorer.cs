using PinSync.Scheduling;
using PinSync.Testing.Engine;
using PinSync.Testing.Strategies;

namespace PinSync.Testing;

/// <summary>
/// Systematic concurrency testing in the model of Coyote: runs a test body many times and, in each run (iteration),
/// lets exactly one logical operation execute at a time while a <see cref="Strategy"/> picks who runs at every
/// scheduling point of PinSync's primitives (and of <see cref="SchedulingPoint"/>). Blocking waits, async waits,
/// timeouts (on a virtual clock), plain <c>await</c>, spawned operations and <see cref="Delay(TimeSpan)"/> are all
/// controlled, so a failing schedule replays exactly.
/// </summary>
/// <remarks>
/// <para>Requires the runtime option <c>PinSync.Scheduling.EnableControl</c> in the test process: the PinSync.Testing
/// package's <c>build/PinSync.Testing.props</c> sets it in every project that references the package (elsewhere, a
/// <c>RuntimeHostConfigurationOption</c> item). Runs are serialized process-wide: a second
/// <see cref="Run(Func{Task}, ExplorerOptions?)"/> waits for the first; code on other threads of the process is not
/// affected (only the explorer's own threads are attached to it).</para>
/// <para><see cref="Spawn(Func{Task})"/>, <see cref="Assert"/>, <see cref="Delay(TimeSpan)"/> and <see cref="Now"/> are meant
/// for code running inside a run. Thread-safe.</para>
/// </remarks>
public static class Explorer
{
    private static readonly Lock s_runLock = new();

    /// <summary>Whether the calling code runs as an operation of an explorer run.</summary>
    public static bool IsRunning => ExplorerRuntime.Running is not null;

    /// <summary>The virtual time elapsed in the current iteration (zero outside a run). Advanced by timeouts and
    /// <see cref="Delay(TimeSpan)"/>, never by real time.</summary>
    public static TimeSpan Now => ExplorerRuntime.Running?.Elapsed ?? TimeSpan.Zero;

    /// <summary>Explores the schedules of <paramref name="body"/>.</summary>
    /// <param name="body">The test: creates its own state (every iteration starts afresh), spawns operations with
    /// <see cref="Spawn(Func{Task})"/> and checks with <see cref="Assert"/>.</param>
    /// <param name="options">Iterations, strategy, seed and limits; <see langword="null"/> for the defaults.</param>
    /// <returns>The report: the first bug found, with its trace, or how much was explored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">Control is not enabled in this process, or the call is made
    /// inside a run.</exception>
    public static ExplorerReport Run(Func<Task> body, ExplorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        options ??= new ExplorerOptions();
        var seed = options.Seed ?? SplitMix64.Mix((ulong)Environment.TickCount64 ^ (ulong)Environment.CurrentManagedThreadId << 32);
        return RunCore(body, options, options.Strategy.Fresh(), seed);
    }

    /// <summary>Explores the schedules of a synchronous <paramref name="body"/>.</summary>
    /// <param name="body">The test.</param>
    /// <param name="options">Iterations, strategy, seed and limits; <see langword="null"/> for the defaults.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">Control is not enabled in this process, or the call is made
    /// inside a run.</exception>
    public static ExplorerReport Run(Action body, ExplorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Run(Wrap(body), options);
    }

    /// <summary>Runs <paramref name="body"/> once under the schedule recorded in <paramref name="trace"/>, step for
    /// step. A program that does not follow the trace fails with <see cref="BugKind.ReplayDivergence"/> naming the
    /// step.</summary>
    /// <param name="trace">An <see cref="ExplorerReport.Trace"/>.</param>
    /// <param name="body">The same test body that produced the trace.</param>
    /// <returns>The report of the replayed iteration (normally the same bug as the original).</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="trace"/> is not a trace.</exception>
    /// <exception cref="InvalidOperationException">Control is not enabled in this process, or the call is made
    /// inside a run.</exception>
    public static ExplorerReport Replay(string trace, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(body);
        var decoded = TraceCodec.Decode(trace);
        var options = new ExplorerOptions
        {
            Iterations = 1,
            MaxSteps = decoded.MaxSteps,
            Faults = decoded.Faults,
            MaxFaultsPerIteration = decoded.MaxFaults,
            CheckInvariants = decoded.CheckInvariants,
        };
        return RunCore(body, options, new ReplayStrategy(decoded.Decisions, decoded.Strategy), 0);
    }

    /// <summary>Replays <paramref name="trace"/> against a synchronous <paramref name="body"/>.</summary>
    /// <param name="trace">An <see cref="ExplorerReport.Trace"/>.</param>
    /// <param name="body">The same test body that produced the trace.</param>
    /// <returns>The report of the replayed iteration.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="trace"/> is not a trace.</exception>
    /// <exception cref="InvalidOperationException">Control is not enabled, or the call is made inside a run.</exception>
    public static ExplorerReport Replay(string trace, Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Replay(trace, Wrap(body));
    }

    /// <summary>Starts <paramref name="function"/> as a new operation of the current iteration (the controlled
    /// <c>Task.Run</c>). The scheduler may run it before the caller continues.</summary>
    /// <param name="function">The operation.</param>
    /// <returns>A task that completes when the operation's task does. An exception escaping the operation is also
    /// reported as a bug.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The caller is not inside a run.</exception>
    public static Task Spawn(Func<Task> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return RequireRuntime().Spawn(function, null, null);
    }

    /// <summary>Starts <paramref name="action"/> as a new operation of the current iteration (a controlled thread).</summary>
    /// <param name="action">The operation.</param>
    /// <returns>A task that completes when the operation has finished.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The caller is not inside a run.</exception>
    public static Task Spawn(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return RequireRuntime().Spawn(null, action, null);
    }

    /// <summary>Starts <paramref name="function"/> as a new operation named <paramref name="name"/>: as
    /// <see cref="Spawn(Func{Task})"/>, and the readable trace and the reports call it <c>op2 'name'</c>.</summary>
    /// <param name="name">What the operation is (<c>"producer"</c>, <c>"withdraw 80"</c>).</param>
    /// <param name="function">The operation.</param>
    /// <returns>A task that completes when the operation's task does.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The caller is not inside a run.</exception>
    public static Task Spawn(string name, Func<Task> function)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(function);
        return RequireRuntime().Spawn(function, null, name);
    }

    /// <summary>Starts <paramref name="action"/> as a new operation named <paramref name="name"/> (a controlled
    /// thread with a name in the reports).</summary>
    /// <param name="name">What the operation is.</param>
    /// <param name="action">The operation.</param>
    /// <returns>A task that completes when the operation has finished.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The caller is not inside a run.</exception>
    public static Task Spawn(string name, Action action)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(action);
        return RequireRuntime().Spawn(null, action, name);
    }

    /// <summary>Waits for <paramref name="millisecondsDelay"/> milliseconds of virtual time (see
    /// <see cref="Delay(TimeSpan)"/>): the controlled <c>Task.Delay(int)</c>.</summary>
    /// <param name="millisecondsDelay">The delay in milliseconds; zero or more.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsDelay"/> is negative.</exception>
    public static Task Delay(int millisecondsDelay)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(millisecondsDelay);
        return Delay(TimeSpan.FromMilliseconds(millisecondsDelay));
    }

    /// <summary>Checks an invariant: when <paramref name="condition"/> is <see langword="false"/>, the iteration fails
    /// with <see cref="BugKind.AssertionFailure"/> and the calling operation stops.</summary>
    /// <param name="condition">The invariant.</param>
    /// <param name="message">What it means when it does not hold.</param>
    /// <exception cref="ExplorerAbortedException">Inside a run, when <paramref name="condition"/> is
    /// <see langword="false"/> (it stops the operation; do not catch it).</exception>
    /// <exception cref="InvalidOperationException">Outside a run, when <paramref name="condition"/> is
    /// <see langword="false"/>.</exception>
    public static void Assert(bool condition, string message)
    {
        if (condition)
        {
            return;
        }

        if (ExplorerRuntime.Running is { } runtime)
        {
            runtime.FailAssertion(message);
        }

        throw new InvalidOperationException("Explorer.Assert failed: " + message);
    }

    /// <summary>Waits for <paramref name="delay"/> of virtual time: inside a run the task completes when the virtual
    /// clock reaches the due time (at once in wall-clock terms, when nothing else can run); outside a run this is
    /// <see cref="Task.Delay(TimeSpan)"/>.</summary>
    /// <param name="delay">The delay; zero or more.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static Task Delay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        if (ExplorerRuntime.Running is { } runtime)
        {
            return runtime.Delay(delay);
        }

        return Task.Delay(delay);
    }

    private static ExplorerReport RunCore(Func<Task> body, ExplorerOptions options, Strategy strategy, ulong seed)
    {
        if (!SchedulingController.IsControlEnabled)
        {
            throw new InvalidOperationException(
                "The explorer needs the runtime option PinSync.Scheduling.EnableControl=true in this process. Add " +
                "<RuntimeHostConfigurationOption Include=\"PinSync.Scheduling.EnableControl\" Value=\"true\" /> to an ItemGroup " +
                "of the test or sample project (it is read once at start-up; production code pays nothing for it).");
        }

        if (Worker.Current is not null)
        {
            throw new InvalidOperationException("Explorer.Run and Explorer.Replay cannot be called inside a run.");
        }

        lock (s_runLock)
        {
            using var runtime = new ExplorerRuntime(body, options, strategy, seed);
            SchedulingController.Activate(runtime);
            try
            {
                return runtime.Execute();
            }
            finally
            {
                SchedulingController.Deactivate(runtime);
            }
        }
    }

    private static ExplorerRuntime RequireRuntime() =>
        ExplorerRuntime.Running ?? throw new InvalidOperationException("Explorer.Spawn can only be called by code running inside Explorer.Run.");

    private static Func<Task> Wrap(Action body) => () =>
    {
        body();
        return Task.CompletedTask;
    };
}
