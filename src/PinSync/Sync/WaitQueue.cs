using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync;

/// <summary>
/// A wait queue in the manner of the Linux kernel's <c>wait_event</c>/<c>wake_up</c>: waiters wait until a condition
/// they supply becomes true; whoever makes it true calls <see cref="NotifyOne"/> or <see cref="NotifyAll"/> (named as
/// on <see cref="CondVar"/>; the former <c>WakeOne</c>/<c>WakeAll</c> remain as hidden aliases). The managed façade over
/// a <see cref="RawWaitQueue"/> kept in pinned storage.
/// </summary>
/// <remarks>
/// <para>Protocol: a wait evaluates the condition first and returns at once, queuing nothing, when it is true.
/// Otherwise it queues itself, evaluates the condition again, and sleeps until woken; a woken waiter evaluates the
/// condition again and sleeps again while it is false. A waker that makes the condition true and then calls a wake
/// can never be missed by a waiter. The condition runs outside any lock, possibly many times, on the waiting thread or
/// (async waits) on a thread pool thread; it may consume what it tests (for example take a token with
/// <see cref="Interlocked"/>): a wait that evaluated it true always reports success, also when its timeout or token
/// fired in the same instant.</para>
/// <para>Exclusive and non-exclusive waiters: <see cref="NotifyOne"/> wakes the longest-waiting exclusive waiter
/// (<see cref="WaitUntilExclusive(Func{bool}, CancellationToken)"/> and its siblings) and every non-exclusive waiter
/// (<see cref="WaitUntil(Func{bool}, CancellationToken)"/> and its siblings); <see cref="NotifyAll"/> wakes everyone.
/// A woken exclusive waiter whose condition is false again re-queues at the head of the exclusive waiters, keeping
/// its place. Blocking and async waiters share the same queues. Async continuations never run inside a wake.</para>
/// <para>Allocation: blocking waits keep their node on the stack; async waits use pooled sources and native nodes, so
/// once warm neither allocates (with a token and with a timeout too); the condition delegate is the caller's.</para>
/// <para>Thread safety: all members are thread-safe, except <see cref="Dispose"/>, which must not race with waits
/// or wakes that are expected to succeed (they fail with <see cref="ObjectDisposedException"/>, as do all queued
/// waiters).</para>
/// <para>Exception safety: a wait that ends by an exception — out of the condition, an interrupt, a controller ending
/// a schedule — leaves with its node unlinked; an exclusive waiter that took a wakeup passes it to the next exclusive
/// waiter. See docs/exception-safety.md.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The name is the public contract (DESIGN.md §3): the kernel's wait queue, not a collection.")]
[DebuggerDisplay("Waiters = {WaiterCount}, Disposed = {IsDisposed}")]
public sealed unsafe class WaitQueue : IDisposable
{
    // Owns the memory of _raw (pinned object heap); async waiters keep this object, hence the memory, reachable.
    private readonly byte[] _storage;
    private readonly RawWaitQueue* _raw;

    // 0 = live, 1 = disposed.
    private int _disposed;

    /// <summary>Creates an empty wait queue.</summary>
    public WaitQueue()
    {
        _raw = PinnedStorage.Allocate<RawWaitQueue>(out _storage);

        // SAFETY: the slot is pinned storage owned by this object, at the queue's final address.
        PinInit.InPlace(_raw, RawWaitQueue.Init());
        PrimitiveProbes.OnCreated(this, _raw);
    }

    /// <summary>How many waiters are queued (a snapshot, for diagnostics; a woken waiter re-checking its condition is
    /// not counted).</summary>
    public int WaiterCount => _raw->WaiterCount;

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Blocks the calling thread until <paramref name="condition"/> is true, as a non-exclusive waiter.</summary>
    /// <param name="condition">The condition; evaluated outside any lock, on the calling thread, any number of times.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true (also
    /// when it was already canceled on entry); nothing stays queued.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed, before or during the wait.</exception>
    public void WaitUntil(Func<bool> condition, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        RawWaitQueue.WaitUntilCore(_raw, condition, Timeout.Infinite, flags: 0, cancellationToken);
        GC.KeepAlive(this); // The raw queue lives in _storage: keep it while the stack node may be linked.
    }

    /// <summary>Blocks the calling thread until <paramref name="condition"/> is true or <paramref name="timeout"/>
    /// elapses, as a non-exclusive waiter.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntil(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms (0
    /// evaluates the condition once).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true; <see langword="false"/> on timeout, with the
    /// condition false at its last evaluation and nothing left queued.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed, before or during the wait.</exception>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        ThrowIfDisposed();
        var result = RawWaitQueue.WaitUntilCore(_raw, condition, ms, flags: 0, cancellationToken);
        GC.KeepAlive(this);
        return result;
    }

    /// <summary>Blocks the calling thread until <paramref name="condition"/> is true, as an exclusive waiter:
    /// <see cref="NotifyOne"/> wakes one exclusive waiter at a time, longest-waiting first.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntil(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed, before or during the wait.</exception>
    public void WaitUntilExclusive(Func<bool> condition, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        RawWaitQueue.WaitUntilCore(_raw, condition, Timeout.Infinite, WaitNodeFlags.Exclusive, cancellationToken);
        GC.KeepAlive(this);
    }

    /// <summary>Blocks the calling thread until <paramref name="condition"/> is true or <paramref name="timeout"/>
    /// elapses, as an exclusive waiter.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntil(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed, before or during the wait.</exception>
    public bool WaitUntilExclusive(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        ThrowIfDisposed();
        var result = RawWaitQueue.WaitUntilCore(_raw, condition, ms, WaitNodeFlags.Exclusive, cancellationToken);
        GC.KeepAlive(this);
        return result;
    }

    /// <summary>Waits asynchronously until <paramref name="condition"/> is true, as a non-exclusive waiter.</summary>
    /// <param name="condition">The condition; evaluated outside any lock, first on the calling thread and then on the
    /// thread pool thread that resumes the wait, any number of times.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the condition was seen true.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true (the
    /// task is canceled); nothing stays queued.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (thrown at once, or delivered to the task).</exception>
    public ValueTask WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return WaitQueueResult.Void(
            RawWaitQueue.WaitUntilAsyncCore(_raw, condition, Timeout.Infinite, flags: 0, keepAlive: this, cancellationToken));
    }

    /// <summary>Waits asynchronously until <paramref name="condition"/> is true or <paramref name="timeout"/> elapses,
    /// as a non-exclusive waiter.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntilAsync(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true; <see langword="false"/> on timeout, with the
    /// condition false at its last evaluation and nothing left queued.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (thrown at once, or delivered to the task).</exception>
    public ValueTask<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        ThrowIfDisposed();
        return WaitQueueResult.Bool(RawWaitQueue.WaitUntilAsyncCore(_raw, condition, ms, flags: 0, keepAlive: this, cancellationToken));
    }

    /// <summary>Waits asynchronously until <paramref name="condition"/> is true, as an exclusive waiter.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntilAsync(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the condition was seen true.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (thrown at once, or delivered to the task).</exception>
    public ValueTask WaitUntilExclusiveAsync(Func<bool> condition, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return WaitQueueResult.Void(
            RawWaitQueue.WaitUntilAsyncCore(_raw, condition, Timeout.Infinite, WaitNodeFlags.Exclusive, keepAlive: this, cancellationToken));
    }

    /// <summary>Waits asynchronously until <paramref name="condition"/> is true or <paramref name="timeout"/> elapses,
    /// as an exclusive waiter.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntilAsync(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="timeout">How long to wait: <see cref="Timeout.InfiniteTimeSpan"/>, or 0 to int.MaxValue ms.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite, or too large.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (thrown at once, or delivered to the task).</exception>
    public ValueTask<bool> WaitUntilExclusiveAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ms = Timeouts.ToMilliseconds(timeout);
        ThrowIfDisposed();
        return WaitQueueResult.Bool(RawWaitQueue.WaitUntilAsyncCore(_raw, condition, ms, WaitNodeFlags.Exclusive, keepAlive: this, cancellationToken));
    }

    /// <summary>As <see cref="WaitUntil(Func{bool}, TimeSpan, CancellationToken)"/>, with the timeout in milliseconds.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntil(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="millisecondsTimeout">How long to wait in milliseconds: <see cref="Timeout.Infinite"/> (-1), or zero or more.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed, before or during the wait.</exception>
    public bool WaitUntil(Func<bool> condition, int millisecondsTimeout, CancellationToken cancellationToken = default) =>
        WaitUntil(condition, Timeouts.ToTimeSpan(millisecondsTimeout), cancellationToken);

    /// <summary>As <see cref="WaitUntilExclusive(Func{bool}, TimeSpan, CancellationToken)"/>, with the timeout in milliseconds.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntil(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="millisecondsTimeout">How long to wait in milliseconds: <see cref="Timeout.Infinite"/> (-1), or zero or more.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed, before or during the wait.</exception>
    public bool WaitUntilExclusive(Func<bool> condition, int millisecondsTimeout, CancellationToken cancellationToken = default) =>
        WaitUntilExclusive(condition, Timeouts.ToTimeSpan(millisecondsTimeout), cancellationToken);

    /// <summary>As <see cref="WaitUntilAsync(Func{bool}, TimeSpan, CancellationToken)"/>, with the timeout in milliseconds.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntil(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="millisecondsTimeout">How long to wait in milliseconds: <see cref="Timeout.Infinite"/> (-1), or zero or more.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (thrown at once, or delivered to the task).</exception>
    public ValueTask<bool> WaitUntilAsync(Func<bool> condition, int millisecondsTimeout, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(condition, Timeouts.ToTimeSpan(millisecondsTimeout), cancellationToken);

    /// <summary>As <see cref="WaitUntilExclusiveAsync(Func{bool}, TimeSpan, CancellationToken)"/>, with the timeout in milliseconds.</summary>
    /// <param name="condition">The condition (see <see cref="WaitUntil(Func{bool}, CancellationToken)"/>).</param>
    /// <param name="millisecondsTimeout">How long to wait in milliseconds: <see cref="Timeout.Infinite"/> (-1), or zero or more.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the condition was seen true, <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="millisecondsTimeout"/> is less than -1.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled before the condition was seen true.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (thrown at once, or delivered to the task).</exception>
    public ValueTask<bool> WaitUntilExclusiveAsync(Func<bool> condition, int millisecondsTimeout, CancellationToken cancellationToken = default) =>
        WaitUntilExclusiveAsync(condition, Timeouts.ToTimeSpan(millisecondsTimeout), cancellationToken);

    /// <summary>Wakes the longest-waiting exclusive waiter and every non-exclusive waiter. Call it after making the
    /// condition true; nothing is stored when nobody waits.</summary>
    /// <returns>How many waiters were woken (0 when none was queued).</returns>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks>Woken waiters re-check their conditions; waiters that queue after this call began are not woken
    /// (they see the condition as the caller left it). Async continuations run on the thread pool, not in this call.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NotifyOne()
    {
        ThrowIfDisposed();
        return RawWaitQueue.WakeOne(_raw);
    }

    /// <summary>Wakes every queued waiter, exclusive or not. Call it after making the condition true; nothing is
    /// stored when nobody waits.</summary>
    /// <returns>How many waiters were woken (0 when none was queued).</returns>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    /// <remarks>As for <see cref="NotifyOne"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NotifyAll()
    {
        ThrowIfDisposed();
        return RawWaitQueue.WakeAll(_raw);
    }

    /// <summary>The former name of <see cref="NotifyOne"/> (the kernel's <c>wake_up</c>), kept so that existing code
    /// compiles; <see cref="CondVar"/> and <see cref="WaitQueue"/> now share one naming, Notify.</summary>
    /// <returns>How many waiters were woken (0 when none was queued).</returns>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int WakeOne() => NotifyOne();

    /// <summary>The former name of <see cref="NotifyAll"/>, kept so that existing code compiles.</summary>
    /// <returns>How many waiters were woken (0 when none was queued).</returns>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int WakeAll() => NotifyAll();

    /// <summary>Disposes the queue: every queued waiter fails with <see cref="ObjectDisposedException"/>, and so do
    /// later waits and wakes. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            RawWaitQueue.Dispose(_raw);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"WaitQueue(Waiters = {WaiterCount}, Disposed = {IsDisposed})";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposedException(this);
        }
    }
}
