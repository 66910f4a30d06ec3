using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Testing.Mutants;

/// <summary>
/// The programs of the mutation suite: each exposes one injected bug of a mutant primitive (and passes on the real
/// primitive and on the mutant's unbroken copy), plus the classic user bugs on the real primitives. Each entry names
/// the bug kind the explorer must report.
/// </summary>
internal static class MutationPrograms
{
    /// <summary>A program by name, with the bug kind it must produce when <c>broken</c>.</summary>
    internal sealed record Program(string Name, string Description, BugKind Kind, Func<Task> Broken, Func<Task> Twin, Func<Task>? UnbrokenCopy);

    internal static readonly Program[] Mutants =
    [
        new("waitqueue-skip-recheck", "WaitUntil skips the re-check after enqueueing", BugKind.Deadlock,
            () => LostWakeup(new MutantWaitQueue(WaitQueueMutation.SkipRecheckAfterEnqueue)),
            () => LostWakeup(new RealWaitQueue()),
            () => LostWakeup(new MutantWaitQueue(WaitQueueMutation.None))),
        new("semaphore-wake-before-unlink", "Release wakes the waiter before unlinking it", BugKind.Deadlock,
            () => WaitThenRelease(new MutantSemaphore(0, SemaphoreMutation.WakeBeforeUnlink)),
            () => WaitThenRelease(new RealSemaphore(0, 1)),
            () => WaitThenRelease(new MutantSemaphore(0, SemaphoreMutation.None))),
        new("mutex-clear-waiters-bit", "unlock clears the waiters bit with waiters left", BugKind.Deadlock,
            () => TwoWaitersBehindHolder(new MutantMutex(MutexMutation.ClearWaitersBitWithWaitersLeft)),
            () => TwoWaitersBehindHolder(new RealMutex()),
            () => TwoWaitersBehindHolder(new MutantMutex(MutexMutation.None))),
        new("semaphore-lose-grant-on-timeout", "a timed-out waiter drops a grant of the same instant", BugKind.AssertionFailure,
            () => TimedWaitRacingRelease(new MutantSemaphore(0, SemaphoreMutation.LoseGrantOnTimeout)),
            () => TimedWaitRacingRelease(new RealSemaphore(0, 1)),
            () => TimedWaitRacingRelease(new MutantSemaphore(0, SemaphoreMutation.None))),
        new("condvar-notify-stops-at-canceled", "NotifyOne wakes nobody when the first waiter was canceled", BugKind.Deadlock,
            () => CanceledWaiterAhead(new MutantCondVar(CondVarMutation.NotifyOneStopsAtCanceled)),
            () => CanceledWaiterAhead(new RealCondVar()),
            () => CanceledWaiterAhead(new MutantCondVar(CondVarMutation.None))),
    ];

    internal static readonly Program[] UserBugs =
    [
        new("user-ab-ba", "AB-BA lock order, two PinnedMutex (sync + async)", BugKind.Deadlock,
            () => TwoMutexes(sameOrder: false), () => TwoMutexes(sameOrder: true), null),
        new("user-if-not-while", "if instead of while around CondVar.Wait, two consumers", BugKind.AssertionFailure,
            () => TwoConsumers(useWhile: false), () => TwoConsumers(useWhile: true), null),
        new("user-check-then-act", "check-then-act across two lock sections", BugKind.AssertionFailure,
            () => Withdrawals(atomic: false), () => Withdrawals(atomic: true), null),
        new("user-missed-notify", "flag set without WakeAll on a WaitQueue", BugKind.Deadlock,
            () => FlagAndWake(wake: false), () => FlagAndWake(wake: true), null),
    ];

    /// <summary>(a) A waiter waits for a flag; the body sets it and wakes all.</summary>
    internal static async Task LostWakeup(IWaitQueueUnderTest queue)
    {
        var flag = false;
        var waiter = Explorer.Spawn(() => queue.WaitUntil(() => Volatile.Read(ref flag)));
        Volatile.Write(ref flag, true);
        queue.WakeAll();
        await waiter;
    }

    /// <summary>(b) A blocking waiter on an empty semaphore; the body releases one permit.</summary>
    internal static async Task WaitThenRelease(ISemaphoreUnderTest semaphore)
    {
        var waiter = Explorer.Spawn(semaphore.Wait);
        SchedulingPoint.Interleave();
        semaphore.Release();
        await waiter;
        Explorer.Assert(semaphore.CurrentCount == 0, $"permit doubled: count {semaphore.CurrentCount}");
    }

    /// <summary>(c) The body holds the mutex while two blocking lockers arrive, then unlocks.</summary>
    internal static async Task TwoWaitersBehindHolder(IMutexUnderTest mutex)
    {
        mutex.Lock();
        void LockUnlock()
        {
            mutex.Lock();
            mutex.Unlock();
        }

        var first = Explorer.Spawn(LockUnlock);
        var second = Explorer.Spawn(LockUnlock);
        SchedulingPoint.Interleave();
        mutex.Unlock();
        await Task.WhenAll(first, second);
        Explorer.Assert(!mutex.IsLocked, "the mutex is still locked");
    }

    /// <summary>(d) A timed waiter (10 ms) races a release; the permit must end up back in the count.</summary>
    internal static async Task TimedWaitRacingRelease(ISemaphoreUnderTest semaphore)
    {
        var acquired = false;
        var waiter = Explorer.Spawn(() =>
        {
            acquired = semaphore.Wait(TimeSpan.FromMilliseconds(10));
            if (acquired)
            {
                semaphore.Release();
            }
        });
        SchedulingPoint.Interleave();
        semaphore.Release();
        await waiter;
        Explorer.Assert(semaphore.CurrentCount == 1, $"permit lost: count {semaphore.CurrentCount}, the waiter reported {acquired}");
    }

    /// <summary>(e) Two consumers wait on a condition variable, the first with a token the body cancels before it
    /// produces one item and notifies one; a consumer that took an item is replaced by a second item.</summary>
    internal static async Task CanceledWaiterAhead(ICondVarUnderTest condVar)
    {
        var mutex = new RealMutex();
        var items = 0;
        using var cancel = new CancellationTokenSource();
        bool Consume(CancellationToken token)
        {
            mutex.Lock();
            try
            {
                while (items == 0)
                {
                    condVar.Wait(mutex, token);
                }

                items--;
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            finally
            {
                mutex.Unlock();
            }
        }

        void Produce()
        {
            mutex.Lock();
            items++;
            condVar.NotifyOne();
            mutex.Unlock();
        }

        bool first = false, second = false;
        var cancelable = Explorer.Spawn(() => first = Consume(cancel.Token));
        var plain = Explorer.Spawn(() => second = Consume(CancellationToken.None));
        SchedulingPoint.Interleave();
        cancel.Cancel(); // synchronous on purpose: CancelAsync runs the callbacks on the thread pool, outside control
        Produce();
        await cancelable;
        if (first)
        {
            Produce(); // the canceled consumer took the item (a notification beats a cancellation): one for the other
        }

        await plain;
        Explorer.Assert(second && items == 0, $"items left {items}, second consumer done {second}");
    }

    /// <summary>AB-BA (or the same order, the twin) with two <see cref="PinnedMutex{T}"/>, one sync and one async locker.</summary>
    internal static async Task TwoMutexes(bool sameOrder)
    {
        using var first = new PinnedMutex<int>(0);
        using var second = new PinnedMutex<int>(0);
        var a = Explorer.Spawn(() =>
        {
            using var g1 = first.Lock();
            using var g2 = second.Lock();
        });
        var b = Explorer.Spawn(async () =>
        {
            using var g1 = await (sameOrder ? first : second).LockAsync();
            using var g2 = await (sameOrder ? second : first).LockAsync();
        });
        await Task.WhenAll(a, b);
    }

    /// <summary>Two consumers of a counter guarded by a mutex and a condition variable; two items produced.</summary>
    internal static async Task TwoConsumers(bool useWhile)
    {
        using var mutex = new PinnedMutex<int>(0);
        using var items = new CondVar();
        void Consume()
        {
            using var guard = mutex.Lock();
            if (useWhile)
            {
                while (guard.Value == 0)
                {
                    items.Wait(guard);
                }
            }
            else if (guard.Value == 0)
            {
                items.Wait(guard);
            }

            Explorer.Assert(guard.Value > 0, "consumed from an empty buffer");
            guard.Value--;
        }

        var consumers = new[] { Explorer.Spawn(Consume), Explorer.Spawn(Consume) };
        for (var i = 0; i < 2; i++)
        {
            using var guard = mutex.Lock();
            guard.Value++;
            items.NotifyAll();
        }

        await Task.WhenAll(consumers);
    }

    /// <summary>Two withdrawals of 80 from 100: check and act in two lock sections (the bug) or one.</summary>
    internal static async Task Withdrawals(bool atomic)
    {
        using var account = new PinnedMutex<int>(100);
        void Withdraw()
        {
            if (atomic)
            {
                using var guard = account.Lock();
                if (guard.Value >= 80)
                {
                    guard.Value -= 80;
                }

                return;
            }

            bool enough;
            using (var guard = account.Lock())
            {
                enough = guard.Value >= 80;
            }

            if (enough)
            {
                using var guard = account.Lock();
                guard.Value -= 80;
            }
        }

        await Task.WhenAll(Explorer.Spawn(Withdraw), Explorer.Spawn(Withdraw));
        using var final = account.Lock();
        Explorer.Assert(final.Value >= 0, $"overdraft: {final.Value}");
    }

    /// <summary>A waiter waits for a flag on a <see cref="WaitQueue"/>; the body sets it and (the twin) wakes all.</summary>
    internal static async Task FlagAndWake(bool wake)
    {
        using var queue = new WaitQueue();
        var flag = false;
        var waiter = Explorer.Spawn(() => queue.WaitUntil(() => Volatile.Read(ref flag)));
        SchedulingPoint.Interleave();
        Volatile.Write(ref flag, true);
        if (wake)
        {
            queue.WakeAll();
        }

        await waiter;
    }
}
