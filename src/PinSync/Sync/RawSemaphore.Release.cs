using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Release (wakes queued waiters in order; hands permits directly to starving ones) and dispose.</summary>
public unsafe partial struct RawSemaphore
{
    /// <summary>Gives back one permit: to the count, waking the first queued waiter if nobody is on the way for it
    /// yet, or directly to that waiter when it has waited past the starvation bound.</summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <returns>The count before the release.</returns>
    /// <exception cref="SemaphoreFullException">The count would exceed <see cref="MaxCount"/>; nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a live semaphore built by <see cref="Init"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Release(RawSemaphore* semaphore) => Release(semaphore, 1);

    /// <summary>
    /// Gives back <paramref name="releaseCount"/> permits. Queued waiters are served in arrival order: a head that has
    /// waited past <see cref="RawMutex.StarvationThreshold"/> (or a blocking head that already lost a race it was
    /// woken for) is handed a permit directly; otherwise the permits go to the count and as many heads are woken to
    /// compete for them (a newcomer may take one first; a woken waiter that loses goes back to the head). Atomic:
    /// either all permits are released or, when the count would exceed <see cref="MaxCount"/>, none is and no waiter
    /// is woken.
    /// </summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <param name="releaseCount">How many permits to give back: positive.</param>
    /// <returns>The count before the release.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="releaseCount"/> is zero or negative.</exception>
    /// <exception cref="SemaphoreFullException">The count would exceed <see cref="MaxCount"/>; nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a live semaphore built by <see cref="Init"/>. Woken and granted
    /// async waiters complete on the thread pool, never inline in this call.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Release(RawSemaphore* semaphore, int releaseCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(releaseCount);
        Seam.Point(SchedulingPointKind.Release, (nint)semaphore, nameof(Release));
        return ReleaseCore(semaphore, releaseCount);
    }

    /// <summary>A blocking waiter leaves by an exception holding a permit a releaser handed it: gives it back (to the
    /// next waiter). Never throws: a disposed semaphore keeps no permits, and the count cannot be full, since the
    /// permit came out of it. No scheduling point (a controller may be ending the schedule).</summary>
    private static void ReturnPermit(RawSemaphore* semaphore)
    {
        try
        {
            ReleaseCore(semaphore, 1);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary><see cref="Release(RawSemaphore*, int)"/> after its checks and scheduling point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReleaseCore(RawSemaphore* semaphore, int releaseCount)
    {
        // SAFETY: the caller guarantees a live, pinned semaphore. The first compare-and-swap guesses "count 0, nobody
        // queued" (the uncontended binary semaphore) instead of reading first (see TryTakeFast); a wrong guess returns
        // the real state for the loop.
        long state;
        if (releaseCount <= semaphore->_maxCount)
        {
            state = Interlocked.CompareExchange(ref semaphore->_state, (long)releaseCount << CountShift, 0);
            if (state == 0)
            {
                return 0;
            }
        }
        else
        {
            state = Volatile.Read(ref semaphore->_state);
        }

        // Fast path: the permits go to the count with one compare-and-swap when nobody is queued, or when every free
        // permit, these included, already has a woken waiter on its way (Count + n <= Woken: the releaser would wake
        // nobody, as RawMutex's unlock with a wake pending only releases). So a hot releaser that re-takes its permit
        // at once while a woken waiter hops to it takes neither the wait lock nor the clock.
        while ((state & Disposed) == 0
            && ((state & HasWaiters) == 0 || (long)CountOf(state) + releaseCount <= WokenOf(state)))
        {
            var count = CountOf(state);
            if (releaseCount > semaphore->_maxCount - count)
            {
                ThrowHelper.ThrowSemaphoreFullException();
            }

            // Past the starvation bound, a release that owes no wake also reserves the free permits for the woken
            // waiters (RawMutex.Overdue.cs).
            var next = state + ((long)releaseCount << CountShift);
            if ((state & (HasWaiters | NoBarge)) == HasWaiters && semaphore->_wakeClock.IsOverdue())
            {
                next |= NoBarge;
            }

            var seen = Interlocked.CompareExchange(ref semaphore->_state, next, state);
            if (seen == state)
            {
                return count;
            }

            state = seen;
        }

        return ReleaseSlow(semaphore, releaseCount);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ReleaseSlow(RawSemaphore* semaphore, int releaseCount)
    {
        semaphore->_waitLock.Enter();
        AssertInvariantsLocked(semaphore);

        // One compare-and-swap adds all permits at once, after the max check on the same state (the check covers them
        // all, so Release stays atomic). Acquisitions may lower the count meanwhile, and a release that wakes nobody
        // may raise it without the lock: the loop allows for both. HasWaiters needs no change: it is set while the
        // list is non-empty, and if the list emptied since we looked there is nobody to wake.
        var state = Volatile.Read(ref semaphore->_state);
        int previous;
        while (true)
        {
            previous = CountOf(state);
            if ((state & Disposed) != 0 || releaseCount > semaphore->_maxCount - previous)
            {
                // Nothing changes: no permit added, no waiter woken.
                semaphore->_waitLock.Exit();
                if ((state & Disposed) != 0)
                {
                    ThrowDisposed();
                }

                ThrowHelper.ThrowSemaphoreFullException();
            }

            var seen = Interlocked.CompareExchange(ref semaphore->_state, state + ((long)releaseCount << CountShift), state);
            if (seen == state)
            {
                break;
            }

            state = seen;
        }

        // Queued waiters now get the permits, a batch per critical section.
        DistributeAndExit(semaphore, handoffs: releaseCount, point: true);
        return previous;
    }

    /// <summary>
    /// Marks the semaphore disposed and fails every queued waiter with <see cref="ObjectDisposedException"/>. Later
    /// waits and releases throw it. Idempotent.
    /// </summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <remarks><b>Safety:</b> the caller must pass a live semaphore built by <see cref="Init"/>. Its memory may be
    /// freed only once no waiter can still reach it: after every queued waiter has returned, and after every async
    /// waiter's timeout and cancellation callbacks are gone (they complete on the thread pool shortly after this
    /// call). <see cref="PinnedSemaphore"/> handles this by keeping the memory alive while waiters reference it.</remarks>
    public static void Dispose(RawSemaphore* semaphore)
    {
        Seam.Point(SchedulingPointKind.Lifecycle, (nint)semaphore, nameof(Dispose));

        // SAFETY: the caller guarantees a live, pinned semaphore. After this Or every link step (under the wait lock)
        // sees Disposed, so the loop below cannot miss a waiter.
        Interlocked.Or(ref semaphore->_state, Disposed);
        while (true)
        {
            semaphore->_waitLock.Enter();
            var first = ListHead.First(&semaphore->_waiters);
            if (first is null)
            {
                semaphore->_waitLock.Exit();
                return;
            }

            // SAFETY: as in DistributeLocked, the first list entry is a live WaitNode.
            var node = (WaitNode*)first;
            UnlinkLocked(semaphore, node);
            node->State = WaitNodeState.Disposed;
            var parker = node->Parker;
            var waiter = node->Waiter;
            semaphore->_waitLock.Exit();
            RawMutex.Wake(parker, waiter);
        }
    }
}
