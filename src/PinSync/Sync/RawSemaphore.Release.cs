using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Release (direct handoff to queued waiters, in order) and dispose.</summary>
public unsafe partial struct RawSemaphore
{
    /// <summary>Gives back one permit: to the first queued waiter if there is one, else to the count.</summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <returns>The count before the release.</returns>
    /// <exception cref="SemaphoreFullException">The count would exceed <see cref="MaxCount"/>; nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a live semaphore built by <see cref="Init"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Release(RawSemaphore* semaphore) => Release(semaphore, 1);

    /// <summary>
    /// Gives back <paramref name="releaseCount"/> permits: queued waiters get one each, in arrival order (direct
    /// handoff: a newcomer cannot take them), and the rest go to the count. Atomic: either all permits are released
    /// or, when the count would exceed <see cref="MaxCount"/>, none is and no waiter is granted.
    /// </summary>
    /// <param name="semaphore">The semaphore.</param>
    /// <param name="releaseCount">How many permits to give back: positive.</param>
    /// <returns>The count before the release (0 when waiters were queued).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="releaseCount"/> is zero or negative.</exception>
    /// <exception cref="SemaphoreFullException">The count would exceed <see cref="MaxCount"/>; nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a live semaphore built by <see cref="Init"/>. Granted async waiters
    /// complete on the thread pool, never inline in this call.</remarks>
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

        while ((state & (HasWaiters | Disposed)) == 0)
        {
            // Fast path: nobody queued, so the permits go to the count (one compare-and-swap).
            var count = (int)(state >> CountShift);
            if (releaseCount > semaphore->_maxCount - count)
            {
                ThrowHelper.ThrowSemaphoreFullException();
            }

            var seen = Interlocked.CompareExchange(ref semaphore->_state, state + ((long)releaseCount << CountShift), state);
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
        // Wake information of the waiters granted in one batch, used after the wait lock is dropped.
        var parkers = stackalloc int[WakeBatch];
        var waiters = stackalloc nint[WakeBatch];

        semaphore->_waitLock.Enter();
        AssertInvariantsLocked(semaphore);

        // Setting HasWaiters freezes the count against fast paths (it may have been cleared since we looked).
        var state = Interlocked.Or(ref semaphore->_state, HasWaiters) | HasWaiters;
        var previous = (int)(state >> CountShift);
        if ((state & Disposed) != 0 || releaseCount > semaphore->_maxCount - previous)
        {
            // Nothing changes: no permit added, no waiter granted.
            ClearWaitersBitIfEmptyLocked(semaphore);
            semaphore->_waitLock.Exit();
            if ((state & Disposed) != 0)
            {
                ThrowDisposed();
            }

            ThrowHelper.ThrowSemaphoreFullException();
        }

        // All permits enter the count at once (the max check above covered them all); they then move to queued
        // waiters in order, a batch per critical section.
        // _drainers counts this releaser until it has handed over what queued waiters can take.
        semaphore->_drainers++;
        Interlocked.Add(ref semaphore->_state, (long)releaseCount << CountShift);
        while (true)
        {
            var granted = GrantLocked(semaphore, parkers, waiters);
            var more = granted == WakeBatch && WaitersAndPermitsLocked(semaphore);
            if (!more)
            {
                semaphore->_drainers--;
                AssertInvariantsLocked(semaphore);
            }

            semaphore->_waitLock.Exit();

            // Outside the lock: a granted node may already be gone (its owner saw Granted); we use only the copies.
            if (granted > 0)
            {
                try
                {
                    Seam.Point(SchedulingPointKind.Wake, (nint)semaphore, "handoff");
                }
                finally
                {
                    // The grants are made: the wakes go out even if a controller ends the schedule at the point.
                    for (var i = 0; i < granted; i++)
                    {
                        RawMutex.Wake(parkers[i], waiters[i]);
                    }
                }
            }

            if (!more)
            {
                return previous;
            }

            semaphore->_waitLock.Enter();
        }
    }

    /// <summary>
    /// Under the wait lock: hands available permits to queued waiters, oldest first, at most <see cref="WakeBatch"/>;
    /// copies each one's wake information and returns how many were granted.
    /// </summary>
    private static int GrantLocked(RawSemaphore* semaphore, int* parkers, nint* waiters)
    {
        AssertInvariantsLocked(semaphore);
        var granted = 0;
        while (granted < WakeBatch && WaitersAndPermitsLocked(semaphore))
        {
            // SAFETY: Link is the first field of WaitNode, so the first list entry is the node; it is linked, hence
            // alive (its owner cannot leave before it is unlinked under this lock).
            var node = (WaitNode*)ListHead.First(&semaphore->_waiters);

            // The permit leaves the count before the node leaves the list: unlinking the last node clears
            // HasWaiters, after which fast paths may change the count again.
            Interlocked.Add(ref semaphore->_state, -One);
            UnlinkLocked(semaphore, node);
            node->State = WaitNodeState.Granted;
            parkers[granted] = node->Parker;
            waiters[granted] = node->Waiter;
            granted++;
        }

        return granted;
    }

    /// <summary>Under the wait lock: whether a waiter is queued while a permit is available (a releaser must hand it
    /// over). The count is stable here: a non-empty list implies HasWaiters.</summary>
    private static bool WaitersAndPermitsLocked(RawSemaphore* semaphore) =>
        semaphore->_waiterCount != 0 && Volatile.Read(ref semaphore->_state) >= One;

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

            // SAFETY: as in GrantLocked, the first list entry is a live WaitNode.
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
