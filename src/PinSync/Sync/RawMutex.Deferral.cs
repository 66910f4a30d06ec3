using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// Deferred wakes. An async waiter woken by an unlock that loses the race to a barger (most often the releaser itself,
/// re-taking the mutex at once: a task that loops over lock sections held across an await) goes back to the head of
/// the list with <see cref="WaitNodeFlags.DeferWake"/>. While it is the head, an unlock only releases and leaves the
/// wake to the releasing thread's <see cref="ExitCheck"/>: one work item per thread, queued to that thread's local
/// queue, so it runs when the current work item ends. By then the releaser has re-taken the mutex (the check finds it
/// held and does nothing: that holder's unlock defers again and queues a check again), or it has not, and the check
/// wakes the head. Waking at once would cost a work item that competes, loses and re-queues: measured, ~2 work items
/// per acquisition when a lock is held across an await, one of them futile; the check costs a work item that reads
/// the state word.
/// <para>Bounds. A waiter sleeps on a free mutex at most until the releasing thread finishes its current work item
/// (from a thread that is not a pool thread, until a pool thread runs the check). The starvation bound is unchanged:
/// an unlock after the head waited <see cref="StarvationThreshold"/> hands the mutex over. Only async mutex waits
/// whose mutex has an owner object (<see cref="PinnedMutex{T}"/>: the check keeps it, and so the mutex's memory,
/// alive) defer; a raw mutex's waiters are woken at once, as are blocking waiters (handed the mutex after one lost
/// race instead, <see cref="WaitNodeFlags.LostWakeup"/>) and notified condition waiters.</para>
/// </summary>
public unsafe partial struct RawMutex
{
    // Experiment switch for interleaved A/B runs (PinSync.Bench --ab --variant): whether lost races defer.
    internal static volatile bool s_deferWakes = true;

    // Tests only: the owner object of one mutex whose deferring unlocks queue no exit check (a mutant without the
    // backstop, which the systematic test must catch). Null in production.
    internal static object? s_mutantNoExitCheckFor;

    /// <summary>Under the wait lock, the mutex free or being released: wakes the head unless the mutex is held, a wake
    /// is on its way or the list is empty (then someone else owns the next wake).</summary>
    private static void WakeHeadIfFree(RawMutex* mutex)
    {
        mutex->_waitLock.Enter();
        var first = ListHead.First(&mutex->_waiters);
        var state = Volatile.Read(ref mutex->_state);
        while (first is not null && (state & (Locked | WakePending | Disposed)) == 0)
        {
            // Mark the wake pending while the mutex stays free, exactly as an unlock does when it releases.
            StartWakeClock(mutex);
            var seen = Interlocked.CompareExchange(ref mutex->_state, state | WakePending, state);
            if (seen != state)
            {
                state = seen;
                continue;
            }

            // SAFETY: the first entry is a live WaitNode (Link is its first field), linked under the lock we hold.
            var head = (WaitNode*)first;
            UnlinkLocked(mutex, head);
            head->Flags &= ~WaitNodeFlags.DeferWake;
            head->State = WaitNodeState.Woken;
            var parker = head->Parker;
            var waiter = head->Waiter;
            mutex->_waitLock.Exit();
            Wake(parker, waiter);
            return;
        }

        mutex->_waitLock.Exit();
    }

    /// <summary>
    /// A thread's pending check of one mutex whose wake an unlock on that thread deferred. At most one is queued per
    /// thread at a time; an unlock that would defer on another mutex while it is queued wakes at once instead.
    /// </summary>
    /// <remarks>
    /// The race that matters: an unlock relies on a queued check just as that check runs on another thread (work
    /// stealing). The unlock releases first and then reads <see cref="_queued"/>; the check clears it and then reads
    /// the state. Both are full fences (Interlocked), so either the unlock sees the check gone and queues it again, or
    /// the check sees the release.
    /// </remarks>
    private sealed class ExitCheck : IThreadPoolWorkItem
    {
        // The thread's reusable check (production).
        [ThreadStatic]
        private static ExitCheck? t_current;

        // Under a controller: a fresh check for the next deferral (each one is used once).
        [ThreadStatic]
        private static ExitCheck? t_spare;

        // The owner keeps the mutex's memory alive until the check has run. Written by the owning thread while
        // _queued is 0; read by Execute before it clears _queued (_mutex is left as it is: an unlock compares it).
        private object? _owner;
        private RawMutex* _mutex;

        // 1 from a deferring unlock until Execute has taken the mutex to check.
        private int _queued;

        /// <summary>Under the mutex's wait lock, by its releasing holder, with <paramref name="head"/> the first waiter
        /// (flagged <see cref="WaitNodeFlags.DeferWake"/>): whether the wake may be deferred — the mutex's memory has an
        /// owner object, this thread has a check (<see cref="Provide"/> allocates one after the lock, so nothing under
        /// the spin lock allocates: an OutOfMemoryException there would leave it held), and the check is free or already
        /// covers this mutex. Under a controller each deferral uses up a fresh check: a controller ending a schedule
        /// drops the work items still queued, and a dropped per-thread check would stay "queued" for ever (a later
        /// schedule on this thread and mutex would rely on it and sleep).</summary>
        internal static bool CanDefer(RawMutex* mutex, WaitNode* head, out ExitCheck check, out object owner)
        {
            var controlled = Seam.ControlEnabled && SchedulingController.Current is not null;
            var candidate = controlled ? t_spare : t_current;
            owner = AsyncWaiter.FromNode(head).KeepAlive!;
            if (candidate is null || owner is null || (Volatile.Read(ref candidate._queued) != 0 && candidate._mutex != mutex))
            {
                check = null!;
                return false;
            }

            if (controlled)
            {
                t_spare = null;
            }

            check = candidate;
            return true;
        }

        /// <summary>Outside any lock, under a controller: makes sure this unlock finds a spare check (so the explorer's
        /// replays see the same decisions whichever worker thread runs the operation).</summary>
        internal static void ProvideIfControlled()
        {
            if (SchedulingController.Current is not null)
            {
                t_spare ??= new ExitCheck();
            }
        }

        /// <summary>Outside any lock, on a releasing thread that could not defer for want of a check: gives it its
        /// reusable check (production; under a controller <see cref="ProvideIfControlled"/> hands out a spare before
        /// every slow unlock). Never throws: it runs in an unlock's settle step, and a deferral is only an optimization
        /// (without a check the next unlock wakes at once).</summary>
        internal static void Provide()
        {
            try
            {
                t_current ??= new ExitCheck();
            }
            catch (OutOfMemoryException)
            {
                // No check: this thread's unlocks keep waking at once.
            }
        }

        /// <summary>After the deferring unlock released the mutex (a full fence): makes sure a check of it is queued.
        /// Only this thread queues this check, so between <see cref="CanDefer"/> and here it either still covers this
        /// mutex or has run.</summary>
        internal void AfterRelease(RawMutex* mutex, object owner)
        {
            if (Volatile.Read(ref _queued) != 0 || ReferenceEquals(owner, s_mutantNoExitCheckFor))
            {
                return; // queued for this mutex, and it has not read the state yet: it will see our release
            }

            _owner = owner;
            _mutex = mutex;
            Volatile.Write(ref _queued, 1);
            try
            {
                Seam.QueueWorkItem(this); // the local queue of a pool thread: it runs once the current work item ends
            }
            catch
            {
                // Not queued (out of memory, or a controller ending its schedule): nobody will run this check, so it
                // must not stay marked queued (later deferrals would rely on it), and the head is woken now.
                _owner = null;
                Volatile.Write(ref _queued, 0);
                WakeHeadIfFree(mutex);
                throw;
            }
        }

        /// <inheritdoc />
        public void Execute()
        {
            var owner = _owner;
            var mutex = _mutex;
            _owner = null;
            Interlocked.Exchange(ref _queued, 0);

            // Held: that holder's unlock wakes the head or defers again (and queues a check on its own thread). A wake
            // pending: that waiter competes. Free: wake the head.
            if ((Volatile.Read(ref mutex->_state) & (Locked | WakePending | Disposed)) == 0)
            {
                WakeHeadIfFree(mutex);
            }

            GC.KeepAlive(owner);
        }
    }
}
