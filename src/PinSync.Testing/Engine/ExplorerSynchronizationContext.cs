namespace PinSync.Testing.Engine;

/// <summary>
/// The synchronization context installed on every operation thread of a run: a plain <c>await</c> (and
/// <c>Task.Yield</c>) in the body or a spawned function posts its continuation here, and the runtime makes it a new
/// operation instead of letting it race on the thread pool.
/// </summary>
internal sealed class ExplorerSynchronizationContext : SynchronizationContext
{
    private readonly ExplorerRuntime _runtime;

    internal ExplorerSynchronizationContext(ExplorerRuntime runtime) => _runtime = runtime;

    /// <inheritdoc />
    public override void Post(SendOrPostCallback d, object? state) => _runtime.Post(d, state);

    /// <inheritdoc />
    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Worker.Current?.Operation?.Runtime == _runtime)
        {
            d(state);
            return;
        }

        _runtime.ReportUncontrolled(
            $"SynchronizationContext.Send to the explorer from thread {Environment.CurrentManagedThreadId}, which it does not control");
    }

    /// <inheritdoc />
    public override SynchronizationContext CreateCopy() => this;
}
