using System.Runtime.CompilerServices;

namespace PinSync;

/// <summary>
/// The overdue wake: the starvation bound while a woken waiter is on its way.
/// </summary>
/// <remarks>
/// <para>While <c>WakePending</c> is set an unlock only releases (RawMutex.cs), so the starvation handoff, which an
/// unlock decides, cannot happen. That is right while the woken waiter is about to compete. But an async waiter's
/// completion is a thread-pool work item, queued on the waker's thread; if that thread keeps running a task that
/// re-takes the mutex at once (its awaits complete synchronously, so its work item never ends), and the pool's other
/// threads are busy or preempted, the woken waiter never runs: the releaser barges for as long as it likes and the
/// whole queue waits. Measured before this check: 16 tasks on a 2-thread pool, one thread busy 5 ms out of every
/// 20, waited up to 2.2 s for <c>LockAsync</c> (SemaphoreSlim, which hands over strictly, at most 4 ms).</para>
/// <para>So the releases during a pending wake count; every <see cref="WakeClock.CheckInterval"/>-th one reads the
/// handoff clock (the first read starts the wake's clock), and once the wake has been pending for
/// <see cref="StarvationThreshold"/> the release also sets <c>NoBarge</c>: newcomers then queue instead of taking the
/// free mutex (Go's starvation mode). The releasing task's next lock attempt queues, its work item ends, and its
/// thread runs the woken waiter, which takes the mutex and clears both bits; its own unlock then hands over to a
/// starving head as usual. Only the woken waiter (or a woken waiter giving up, which passes the wake on) clears
/// <c>NoBarge</c>, and it is only ever set while <c>WakePending</c> is, so no waiter sleeps while the mutex is free
/// for want of someone to take it.</para>
/// <para>Cost: a counter in the mutex's own line per release during a pending wake, and one clock read every
/// <see cref="WakeClock.CheckInterval"/> such releases. The bound starts at the first check, up to that many releases
/// after the wake, and a wake is overdue at most one cached-clock step late (see <see cref="HandoffClock"/>).</para>
/// </remarks>
public unsafe partial struct RawMutex
{
    // Experiment switch for interleaved A/B runs and the mutant tests: false = no overdue check (the old behaviour),
    // for the mutex and the semaphore.
    internal static volatile bool s_overdueWakes = true;

    /// <summary>A wake was just issued (WakePending is being set, under the wait lock): its overdue clock starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StartWakeClock(RawMutex* mutex) => mutex->_wakeClock.Start();

    /// <summary>A release while a wake is pending: whether that wake has been pending past the starvation bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWakeOverdue(RawMutex* mutex) => mutex->_wakeClock.IsOverdue();

    /// <summary>Tests only: whether the mutex refuses newcomers now (an overdue wake; a snapshot).</summary>
    internal static bool RefusesNewcomers(RawMutex* mutex) => (Volatile.Read(ref mutex->_state) & NoBarge) != 0;

    /// <summary>Tests only: the first queued waiter's arrival stamp (<see cref="EnqueueStamp"/>), or -1 when none is
    /// queued.</summary>
    internal static long HeadEnqueuedAt(RawMutex* mutex) => EnqueueStamp.OfHead(&mutex->_waitLock, &mutex->_waiters);
}

/// <summary>The semaphore's side of the overdue wake (the rules are the mutex's; see RawSemaphore.cs).</summary>
public unsafe partial struct RawSemaphore
{
    /// <summary>Tests only: whether the free permits are reserved for the woken waiters now (a snapshot).</summary>
    internal static bool RefusesNewcomers(RawSemaphore* semaphore) => Reserved(Volatile.Read(ref semaphore->_state));

    /// <summary>Tests only: the first queued waiter's arrival stamp (<see cref="EnqueueStamp"/>), or -1 when none is
    /// queued.</summary>
    internal static long HeadEnqueuedAt(RawSemaphore* semaphore) =>
        EnqueueStamp.OfHead(&semaphore->_waitLock, &semaphore->_waiters);
}
