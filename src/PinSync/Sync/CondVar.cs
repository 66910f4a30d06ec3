using System.Diagnostics;
using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// A condition variable for <see cref="PinnedMutex{T}"/>, with blocking and async waits: the managed façade over a
/// <see cref="RawCondVar"/> kept in pinned storage.
/// </summary>
/// <remarks>
/// <para>Wait in a loop that re-checks the condition while holding the lock:
/// <c>using (var g = m.Lock()) { while (!g.Value.Ready) cv.Wait(g); }</c>. <c>Wait</c> releases the mutex, sleeps
/// until notified, and takes the mutex again under the same guard before it returns — also on timeout (it returns
/// <see langword="false"/>), cancellation and dispose (it throws).</para>
/// <para>Every wait, blocking or async, takes the guard by <see langword="in"/> reference: the guard is not copied,
/// and after the wait the same variable holds the mutex again (write <c>cv.Wait(g)</c> and <c>await cv.WaitAsync(g)</c>
/// alike).</para>
/// <para>A notification with nobody waiting is not stored. There are no spurious wakeups other than timeouts and
/// cancellations. A notified waiter whose mutex is held is moved straight onto the mutex's wait list (wait
/// morphing) instead of being woken to block again.</para>
/// <para>Thread safety: all members are thread-safe, except <see cref="Dispose"/>, which fails every queued waiter
/// with <see cref="ObjectDisposedException"/> (after it has re-taken its mutex).</para>
/// <para>Exception safety: every wait returns or throws holding the mutex again under the same guard, as
/// <see cref="Monitor.Wait(object)"/> does — notify, timeout, cancellation, dispose, interrupt. Notified and
/// interrupted at once, the notification wins and the interrupt stays pending for the thread's next blocking call.
/// Only when the mutex is disposed, or a controller is ending the schedule, does an exception leave without it (the
/// guard then reports it released). A notification the waiter cannot act on is passed on. See
/// docs/exception-safety.md.</para>
/// </remarks>
[DebuggerDisplay("Waiters = {WaiterCount}")]
public sealed class CondVar : IDisposable
{
    private readonly byte[] _storage;
    private readonly unsafe RawCondVar* _raw;
    private int _disposed;

    /// <summary>Creates a condition variable with no waiters.</summary>
    public unsafe CondVar()
    {
        _raw = PinnedStorage.Allocate<RawCondVar>(out _storage);

        // SAFETY: the slot is pinned storage owned by this object, at the condition variable's final address.
        PinInit.InPlace(_raw, RawCondVar.Init());
        PrimitiveProbes.OnCreated(this, _raw);
    }

    /// <summary>How many waiters are queued (a snapshot, for diagnostics).</summary>
    public unsafe int WaiterCount => _raw->WaiterCount;

    /// <summary>Releases the guard's mutex, sleeps until notified, and takes the mutex again.</summary>
    /// <typeparam name="T">The type of the value the mutex protects.</typeparam>
    /// <param name="guard">A guard that holds the mutex; it stays valid.</param>
    /// <param name="cancellationToken">Cancels the wait; the mutex is re-taken before the exception propagates.</param>
    /// <exception cref="SynchronizationLockException"><paramref name="guard"/> does not hold its mutex.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled.</exception>
    /// <exception cref="ObjectDisposedException">This condition variable or the mutex was disposed.</exception>
    public void Wait<T>(in MutexGuard<T> guard, CancellationToken cancellationToken = default) =>
        WaitCore(guard, Seam.Infinite, cancellationToken);

    /// <summary>Releases the guard's mutex, sleeps until notified or until <paramref name="timeout"/>, and takes the
    /// mutex again.</summary>
    /// <typeparam name="T">The type of the value the mutex protects.</typeparam>
    /// <param name="guard">A guard that holds the mutex; it stays valid.</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait; the mutex is re-taken before the exception propagates.</param>
    /// <returns><see langword="true"/> when notified, <see langword="false"/> on timeout (the mutex is held again).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="SynchronizationLockException"><paramref name="guard"/> does not hold its mutex.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled.</exception>
    /// <exception cref="ObjectDisposedException">This condition variable or the mutex was disposed.</exception>
    public bool Wait<T>(in MutexGuard<T> guard, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        return WaitCore(guard, Timeouts.Deadline(ms), cancellationToken);
    }

    /// <summary>Releases the guard's mutex, sleeps until notified or for at most <paramref name="millisecondsTimeout"/>
    /// milliseconds, and takes the mutex again (the <see cref="Monitor.Wait(object, int)"/> shape).</summary>
    /// <typeparam name="T">The type of the value the mutex protects.</typeparam>
    /// <param name="guard">A guard that holds the mutex; it stays valid.</param>
    /// <param name="millisecondsTimeout">How long to wait in milliseconds: <see cref="Timeout.Infinite"/> (-1), or zero or more.</param>
    /// <param name="cancellationToken">Cancels the wait; the mutex is re-taken before the exception propagates.</param>
    /// <returns><see langword="true"/> when notified, <see langword="false"/> on timeout (the mutex is held again).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="SynchronizationLockException"><paramref name="guard"/> does not hold its mutex.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled.</exception>
    /// <exception cref="ObjectDisposedException">This condition variable or the mutex was disposed.</exception>
    public bool Wait<T>(in MutexGuard<T> guard, int millisecondsTimeout, CancellationToken cancellationToken = default) =>
        Wait(guard, Timeouts.ToTimeSpan(millisecondsTimeout), cancellationToken);

    /// <summary>Releases the guard's mutex, waits asynchronously until notified, and takes the mutex again.</summary>
    /// <typeparam name="T">The type of the value the mutex protects.</typeparam>
    /// <param name="guard">A guard that holds the mutex; it stays valid.</param>
    /// <param name="cancellationToken">Cancels the wait; the mutex is re-taken before the exception propagates.</param>
    /// <returns>A task that completes when notified and the mutex is held again.</returns>
    /// <exception cref="SynchronizationLockException"><paramref name="guard"/> does not hold its mutex.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled.</exception>
    /// <exception cref="ObjectDisposedException">This condition variable or the mutex was disposed.</exception>
    public ValueTask WaitAsync<T>(in MutexGuard<T> guard, CancellationToken cancellationToken = default)
    {
        var waiter = StartWaitAsync(guard, Timeout.Infinite, out var early, cancellationToken);
        return waiter is not null ? new ValueTask(waiter, waiter.Version)
            : early == WaitNodeState.Canceled ? ValueTask.FromCanceled(cancellationToken)
            : default;
    }

    /// <summary>Releases the guard's mutex, waits asynchronously until notified or until <paramref name="timeout"/>,
    /// and takes the mutex again.</summary>
    /// <typeparam name="T">The type of the value the mutex protects.</typeparam>
    /// <param name="guard">A guard that holds the mutex; it stays valid.</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait; the mutex is re-taken before the exception propagates.</param>
    /// <returns><see langword="true"/> when notified, <see langword="false"/> on timeout; the mutex is held again.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="SynchronizationLockException"><paramref name="guard"/> does not hold its mutex.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled.</exception>
    /// <exception cref="ObjectDisposedException">This condition variable or the mutex was disposed.</exception>
    public ValueTask<bool> WaitAsync<T>(in MutexGuard<T> guard, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var waiter = StartWaitAsync(guard, Timeouts.ToMilliseconds(timeout), out var early, cancellationToken);
        return waiter is not null ? new ValueTask<bool>(waiter, waiter.Version)
            : early == WaitNodeState.Canceled ? ValueTask.FromCanceled<bool>(cancellationToken)
            : new ValueTask<bool>(false);
    }

    /// <summary>Releases the guard's mutex, waits asynchronously until notified or for at most
    /// <paramref name="millisecondsTimeout"/> milliseconds, and takes the mutex again.</summary>
    /// <typeparam name="T">The type of the value the mutex protects.</typeparam>
    /// <param name="guard">A guard that holds the mutex; it stays valid.</param>
    /// <param name="millisecondsTimeout">How long to wait in milliseconds: <see cref="Timeout.Infinite"/> (-1), or zero or more.</param>
    /// <param name="cancellationToken">Cancels the wait; the mutex is re-taken before the exception propagates.</param>
    /// <returns><see langword="true"/> when notified, <see langword="false"/> on timeout; the mutex is held again.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="SynchronizationLockException"><paramref name="guard"/> does not hold its mutex.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled.</exception>
    /// <exception cref="ObjectDisposedException">This condition variable or the mutex was disposed.</exception>
    public ValueTask<bool> WaitAsync<T>(in MutexGuard<T> guard, int millisecondsTimeout, CancellationToken cancellationToken = default) =>
        WaitAsync(guard, Timeouts.ToTimeSpan(millisecondsTimeout), cancellationToken);

    /// <summary>Wakes the oldest waiter, if any; a notification with nobody waiting is not stored.</summary>
    /// <returns><see langword="true"/> when a waiter was notified.</returns>
    /// <exception cref="ObjectDisposedException">This condition variable was disposed.</exception>
    public unsafe bool NotifyOne()
    {
        ThrowIfDisposed();
        return RawCondVar.NotifyOne(_raw);
    }

    /// <summary>Wakes every waiter queued at the time of the call.</summary>
    /// <returns>How many waiters were notified.</returns>
    /// <exception cref="ObjectDisposedException">This condition variable was disposed.</exception>
    public unsafe int NotifyAll()
    {
        ThrowIfDisposed();
        return RawCondVar.NotifyAll(_raw);
    }

    /// <summary>Disposes the condition variable: queued waiters re-take their mutex and throw
    /// <see cref="ObjectDisposedException"/>, and so do later calls. Idempotent.</summary>
    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            RawCondVar.Dispose(_raw);
        }
    }

    private unsafe bool WaitCore<T>(in MutexGuard<T> guard, long deadline, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var mutex = CheckGuard(guard, out var token);
        mutex.ClearToken(token);
        try
        {
            return RawCondVar.WaitCore(_raw, mutex.Raw, deadline, cancellationToken);
        }
        finally
        {
            // Every normal path, and every exception thrown after the re-lock, holds the mutex again: the same
            // acquisition goes on under the same guard. A re-lock that itself failed (the mutex was disposed meanwhile)
            // leaves the mutex to whoever holds it now, and the guard must not claim it.
            if (RawMutex.OwnerThreadId(mutex.Raw) == CurrentThread.Id)
            {
                mutex.RestoreToken(token);
            }
        }
    }

    /// <summary>
    /// Queues an async wait whose waiter completes only once it holds the mutex again (restoring the guard's
    /// acquisition itself): no async method wraps it. Returns <see langword="null"/> when the wait ended before it was
    /// queued — a zero timeout (<paramref name="early"/> <see cref="WaitNodeState.TimedOut"/>) or a token already
    /// canceled — and the mutex was never released.
    /// </summary>
    private unsafe AsyncWaiter? StartWaitAsync<T>(in MutexGuard<T> guard, long milliseconds, out int early, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var mutex = CheckGuard(guard, out var token);
        if (milliseconds == 0)
        {
            early = WaitNodeState.TimedOut; // A zero timeout never releases the lock.
            return null;
        }

        mutex.ClearToken(token);
        AsyncWaiter? waiter;
        try
        {
            waiter = RawCondVar.WaitAsyncCore(_raw, mutex.Raw, Timeouts.Deadline(milliseconds), this, mutex, token, out early,
                cancellationToken);
        }
        catch
        {
            mutex.RestoreToken(token); // Not queued: the mutex was never released.
            throw;
        }

        if (waiter is null)
        {
            mutex.RestoreToken(token);
        }

        return waiter;
    }

    private static PinnedMutex<T> CheckGuard<T>(in MutexGuard<T> guard, out uint token)
    {
        token = guard.Token;
        var mutex = guard.Mutex;
        if (mutex is null || !mutex.IsCurrentToken(token))
        {
            ThrowHelper.ThrowSynchronizationLockException_CondVarWaitWithoutLock();
        }

        return mutex;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposedException(this);
        }
    }
}
