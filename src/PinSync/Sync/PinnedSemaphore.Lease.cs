using System.Runtime.CompilerServices;

namespace PinSync;

/// <summary>Scoped permits: <see cref="SemaphoreLease"/> forms of the waits, released by <c>using</c>.</summary>
/// <remarks>Each is a wait of the same kind (<see cref="Wait(CancellationToken)"/>, <see cref="WaitAsync(CancellationToken)"/>
/// and the timed forms) plus the lease, made only once the permit is held: the waiting itself, its wait scope, its
/// cancellation and its exception safety are those of the wait, unchanged.</remarks>
public sealed partial class PinnedSemaphore
{
    /// <summary>Takes a permit, blocking until the caller gets one, and returns it as a lease:
    /// <c>using (sem.Enter()) { ... }</c>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The lease of the permit; disposing it releases the permit.</returns>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed (also while waiting).</exception>
    public SemaphoreLease Enter(CancellationToken cancellationToken = default)
    {
        Wait(cancellationToken);
        return new SemaphoreLease(this);
    }

    /// <summary>Takes a permit, blocking for at most <paramref name="timeout"/>, as a lease.</summary>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms
    /// (0 never waits).</param>
    /// <param name="lease">The lease of the permit; an empty lease on timeout.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the caller now holds a permit, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed (also while waiting).</exception>
    public bool TryEnter(TimeSpan timeout, out SemaphoreLease lease, CancellationToken cancellationToken = default)
    {
        lease = Wait(timeout, cancellationToken) ? new SemaphoreLease(this) : default;
        return lease.Held;
    }

    /// <summary>Takes a permit asynchronously and returns it as a lease: <c>using (await sem.EnterAsync(ct)) { ... }</c>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The lease of the permit, once it is held; disposing it releases the permit.</returns>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held (through the task).</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed: thrown at once, or through the task
    /// when it is disposed while the wait is queued.</exception>
    public ValueTask<SemaphoreLease> EnterAsync(CancellationToken cancellationToken = default)
    {
        var pending = WaitAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? new ValueTask<SemaphoreLease>(new SemaphoreLease(this)) : EnterAsyncSlow(pending);
    }

    /// <summary>Takes a permit asynchronously, waiting at most <paramref name="timeout"/>, as a lease.</summary>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms
    /// (0 never waits).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A lease whose <see cref="SemaphoreLease.Held"/> says whether a permit is held (false on timeout).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; no permit is held (through the task).</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed: thrown at once, or through the task
    /// when it is disposed while the wait is queued.</exception>
    public ValueTask<SemaphoreLease> TryEnterAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var pending = WaitAsync(timeout, cancellationToken);
        return pending.IsCompletedSuccessfully
            ? new ValueTask<SemaphoreLease>(pending.Result ? new SemaphoreLease(this) : default)
            : TryEnterAsyncSlow(pending);
    }

    // Pooled builders: a contended lease allocates nothing once warm, like the wait it wraps.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SemaphoreLease> EnterAsyncSlow(ValueTask pending)
    {
        await pending.ConfigureAwait(false);
        return new SemaphoreLease(this);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SemaphoreLease> TryEnterAsyncSlow(ValueTask<bool> pending) =>
        await pending.ConfigureAwait(false) ? new SemaphoreLease(this) : default;
}
