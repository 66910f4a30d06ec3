using System.Diagnostics;
using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Pinning;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// A mutual-exclusion lock that owns the value it protects, with blocking and async acquisition that share one FIFO
/// wait list: the managed façade over a <see cref="RawMutex"/> kept in pinned storage.
/// </summary>
/// <typeparam name="T">The type of the protected value.</typeparam>
/// <remarks>
/// <para>Acquire with <see cref="Lock"/>, <see cref="LockAsync"/>, <see cref="TryLock(out MutexGuard{T})"/> or the
/// timed forms; each returns a <see cref="MutexGuard{T}"/> whose <see cref="MutexGuard{T}.Value"/> is the protected
/// value and whose <see cref="MutexGuard{T}.Dispose"/> releases. Uncontended, a lock and an unlock are one
/// compare-and-swap each and allocate nothing; a contended async wait allocates nothing once warm.</para>
/// <para>Fairness: newcomers may barge past queued waiters (an unlock wakes the first waiter to compete, one woken
/// waiter at a time), but a blocking waiter that has lost one such race, and any waiter that has waited longer than
/// <see cref="RawMutex.StarvationThreshold"/> (1 ms), is handed the lock directly. An async waiter that lost such a
/// race is not woken by the next unlock at once: the wake waits until the releasing work item ends and happens only if
/// the lock is still free then, so a task that re-takes the lock straight away (a loop over sections held across an
/// await) does not wake a waiter for nothing each time.</para>
/// <para>Not recursive: blocking on a mutex the calling thread already holds through a blocking acquisition throws
/// <see cref="LockRecursionException"/>.</para>
/// <para>Thread safety: all members are thread-safe, except <see cref="Dispose"/>, which must not race with
/// acquisitions that are expected to succeed (they fail with <see cref="ObjectDisposedException"/>, as do all queued
/// waiters).</para>
/// <para>Exception safety: a blocking wait that ends by an exception (an interrupt, a throwing metrics listener, a
/// controller ending a schedule) leaves with its stack node unlinked and without the mutex; a handoff or wake that
/// raced with the exception is passed to the next waiter. The exception reaches the caller. A guard may be disposed
/// on another thread; a copy of a released guard is a no-op. See docs/exception-safety.md.</para>
/// </remarks>
[DebuggerDisplay("Locked = {IsLocked}, Waiters = {WaiterCount}")]
public sealed class PinnedMutex<T> : IDisposable, IMutexRelock
{
    // Owns the memory of _raw (pinned object heap); waiters reach the raw mutex through this object.
    private readonly byte[] _storage;
    private readonly unsafe RawMutex* _raw;
    private T _value;

    // Marks a released acquisition in _token (tokens themselves are 31-bit).
    private const uint Released = 0x8000_0000;

    // The token of the current acquisition; when free, 0 or the token most recently released | Released, so that
    // disposing a guard twice (or a copy of it) stays a no-op until the mutex is taken again. Written by the holder
    // only (after acquiring, before releasing); read by guards to check they are current.
    private uint _token;

    // Source of acquisition tokens; advanced by the holder only.
    private uint _nextToken;

    private int _disposed;

    /// <summary>Creates an unlocked mutex protecting <paramref name="value"/>.</summary>
    /// <param name="value">The initial protected value.</param>
    public unsafe PinnedMutex(T value)
    {
        _value = value;
        _raw = PinnedStorage.Allocate<RawMutex>(out _storage);

        // SAFETY: the slot is pinned storage owned by this object, at the mutex's final address.
        PinInit.InPlace(_raw, RawMutex.Init());
        PrimitiveProbes.OnCreated(this, _raw);
    }

    /// <summary>Whether the mutex is held (a snapshot).</summary>
    public unsafe bool IsLocked => _raw->IsLocked;

    /// <summary>How many waiters are queued (a snapshot, for diagnostics).</summary>
    public unsafe int WaiterCount => _raw->WaiterCount;

    /// <summary>The raw mutex (for condition variables and tests).</summary>
    internal unsafe RawMutex* Raw => _raw;

    /// <summary>The protected value, by reference (guards check ownership first).</summary>
    internal ref T ValueRef => ref _value;

    /// <summary>Takes the lock, blocking the calling thread until it is free.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The guard of this acquisition.</returns>
    /// <exception cref="LockRecursionException">The calling thread already holds the lock through a blocking
    /// acquisition.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; the lock is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe MutexGuard<T> Lock(CancellationToken cancellationToken = default)
    {
        // Recursion and dispose are detected in the raw slow path (the fast path cannot succeed while we hold the
        // lock, nor once the raw mutex is marked disposed).
        RawMutex.Lock(_raw, cancellationToken);
        return NewGuard();
    }

    /// <summary>Takes the lock if it is free, without waiting.</summary>
    /// <param name="guard">The guard of the acquisition; an empty guard when the lock was not taken.</param>
    /// <returns><see langword="true"/> when the lock is now held.</returns>
    /// <exception cref="ObjectDisposedException">The mutex was disposed.</exception>
    /// <remarks>It may return <see langword="false"/> on a free mutex: while a waiter woken to compete has been on its
    /// way past <see cref="RawMutex.StarvationThreshold"/>, newcomers are refused until it has taken the mutex (the
    /// overdue wake, RawMutex.Overdue.cs), so a caller that re-takes in a loop cannot starve it.</remarks>
    public unsafe bool TryLock(out MutexGuard<T> guard)
    {
        if (RawMutex.TryLock(_raw))
        {
            guard = NewGuard();
            return true;
        }

        ThrowIfDisposed(); // the raw fast path fails on a disposed mutex: report it rather than "busy"
        guard = default;
        return false;
    }

    /// <summary>Takes the lock, blocking for at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="guard">The guard of the acquisition; an empty guard on timeout.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the lock is now held, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="LockRecursionException">The calling thread already holds the lock through a blocking
    /// acquisition.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; the lock is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed.</exception>
    public unsafe bool TryLock(TimeSpan timeout, out MutexGuard<T> guard, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (RawMutex.TryLock(_raw, timeout, cancellationToken))
        {
            guard = NewGuard();
            return true;
        }

        guard = default;
        return false;
    }

    /// <summary>Takes the lock, blocking for at most <paramref name="millisecondsTimeout"/> milliseconds (the
    /// <see cref="Lock.TryEnter(int)"/> shape).</summary>
    /// <param name="millisecondsTimeout">How long to wait in milliseconds: <see cref="Timeout.Infinite"/> (-1), or zero or more.</param>
    /// <param name="guard">The guard of the acquisition; an empty guard on timeout.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the lock is now held, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="LockRecursionException">The calling thread already holds the lock through a blocking
    /// acquisition.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; the lock is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed.</exception>
    public bool TryLock(int millisecondsTimeout, out MutexGuard<T> guard, CancellationToken cancellationToken = default) =>
        TryLock(Timeouts.ToTimeSpan(millisecondsTimeout), out guard, cancellationToken);

    /// <summary>Takes the lock asynchronously.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The guard of this acquisition, once the lock is held.</returns>
    /// <exception cref="OperationCanceledException">The wait was canceled; the lock is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed (also delivered to queued waiters).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe ValueTask<MutexGuard<T>> LockAsync(CancellationToken cancellationToken = default)
    {
        // A disposed mutex fails the fast path and throws in the slow one.
        Seam.Point(SchedulingPointKind.Acquire, (nint)_raw, nameof(LockAsync));
        return RawMutex.TryLockFast(_raw)
            ? new ValueTask<MutexGuard<T>>(NewGuard())
            : LockAsyncSlow(Timeout.Infinite, cancellationToken);
    }

    /// <summary>Takes the lock asynchronously, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A guard whose <see cref="MutexGuard{T}.Acquired"/> says whether the lock is held (false on timeout).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; the lock is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed (also delivered to queued waiters).</exception>
    public unsafe ValueTask<MutexGuard<T>> TryLockAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        ThrowIfDisposed();
        Seam.Point(SchedulingPointKind.Acquire, (nint)_raw, nameof(TryLockAsync));
        return RawMutex.TryLockFast(_raw)
            ? new ValueTask<MutexGuard<T>>(NewGuard())
            : ms == 0 ? default : LockAsyncSlow(ms, cancellationToken);
    }

    /// <summary>Takes the lock asynchronously, waiting at most <paramref name="millisecondsTimeout"/> milliseconds.</summary>
    /// <param name="millisecondsTimeout">How long to wait in milliseconds: <see cref="Timeout.Infinite"/> (-1), or zero or more.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A guard whose <see cref="MutexGuard{T}.Acquired"/> says whether the lock is held (false on timeout).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; the lock is not held.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed (also delivered to queued waiters).</exception>
    public ValueTask<MutexGuard<T>> TryLockAsync(int millisecondsTimeout, CancellationToken cancellationToken = default) =>
        TryLockAsync(Timeouts.ToTimeSpan(millisecondsTimeout), cancellationToken);

    /// <summary>Queues a <see cref="GuardWaiter{T}"/> that completes with the guard itself (no async method in
    /// between), or finishes at once.</summary>
    private unsafe ValueTask<MutexGuard<T>> LockAsyncSlow(long milliseconds, CancellationToken cancellationToken)
    {
        if (RawMutex.EndsBeforeQueuing(_raw, out var outcome, cancellationToken))
        {
            return ValueTask.FromCanceled<MutexGuard<T>>(cancellationToken);
        }

        var waiter = GuardWaiter<T>.Rent(this);
        if (RawMutex.EnqueueAsync(_raw, waiter, Timeouts.Deadline(milliseconds), keepAlive: this, out outcome, cancellationToken))
        {
            return new ValueTask<MutexGuard<T>>(waiter, waiter.Version);
        }

        return outcome == WaitNodeState.Canceled ? ValueTask.FromCanceled<MutexGuard<T>>(cancellationToken)
            : outcome == WaitNodeState.Granted ? new ValueTask<MutexGuard<T>>(NewGuard())
            : default;
    }

    /// <summary>Disposes the mutex: later acquisitions throw <see cref="ObjectDisposedException"/>, and so does every
    /// waiter still queued. Idempotent.</summary>
    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            RawMutex.Dispose(_raw);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"PinnedMutex<{typeof(T).Name}>(Locked = {IsLocked}, Waiters = {WaiterCount})";

    /// <summary>Whether <paramref name="token"/> is the current acquisition.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsCurrentToken(uint token) => token != 0 && Volatile.Read(ref _token) == token;

    /// <summary>Marks a fresh acquisition by the caller (who now holds the raw mutex) and returns its guard.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal MutexGuard<T> NewGuard()
    {
        var token = ++_nextToken & ~Released;
        if (token == 0)
        {
            _nextToken = token = 1; // 0 means "free"; skip it on wrap-around (31-bit tokens).
        }

        Volatile.Write(ref _token, token);
        return new MutexGuard<T>(this, token);
    }

    /// <summary>Re-establishes acquisition <paramref name="token"/> after a condition wait re-took the raw mutex.</summary>
    internal void RestoreToken(uint token) => Volatile.Write(ref _token, token);

    /// <inheritdoc />
    void IMutexRelock.RestoreToken(uint token) => RestoreToken(token);

    /// <summary>Gives up acquisition <paramref name="token"/> without a guard (a condition wait releasing the lock).</summary>
    internal void ClearToken(uint token)
    {
        Debug.Assert(IsCurrentToken(token), "Only the current acquisition can be suspended.");
        Volatile.Write(ref _token, 0);
    }

    /// <summary>Releases acquisition <paramref name="token"/> for its guard.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal unsafe void ReleaseFromGuard(uint token)
    {
        // A guard with a mutex always carries a non-zero token (NewGuard skips 0), so a match means "current".
        Debug.Assert(token != 0, "A guard with a mutex has a token.");
        if (Volatile.Read(ref _token) == token)
        {
            Volatile.Write(ref _token, token | Released);
            RawMutex.Unlock(_raw);
        }
        else
        {
            ReleaseMismatched(token);
        }
    }

    // Out of line, so that the guard's inlined dispose stays small enough for the JIT to clone it out of the finally.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReleaseMismatched(uint token)
    {
        if (Volatile.Read(ref _token) == (token | Released))
        {
            return; // This acquisition was already released and the mutex not taken since: a repeated dispose.
        }

        ThrowIfDisposed();
        ThrowHelper.ThrowSynchronizationLockException_StaleGuard();
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
