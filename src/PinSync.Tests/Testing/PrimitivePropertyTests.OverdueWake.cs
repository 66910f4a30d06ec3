using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>
/// The overdue wake (RawMutex.Overdue.cs) under the explorer, where virtual time passes only at a delay: the holder
/// wakes the first of two queued async waiters and barges back in, twice, with the starvation bound's worth of
/// virtual time between. The second barged release finds the wake overdue and closes the primitive to newcomers,
/// and then a newcomer's try fails while the primitive is free. In every schedule everyone is served (also when the
/// woken waiter is canceled while the primitive is closed: its give-up must reopen it), and the explorer's probe
/// finds the primitive at rest with the flag clear.
/// </summary>
public sealed partial class PrimitivePropertyTests
{
    [Theory]
    [MemberData(nameof(StrategiesAndFlavors))]
    public void PinnedMutex_OverdueWake_RefusesNewcomersUntilTheWokenWaiterCompetes(string strategy, bool cancelWoken)
    {
        var closed = 0;
        AssertNoBugs(async () => closed += await MutexOverdueProgram(cancelWoken) ? 1 : 0, Options(strategy));
        Assert.True(closed > 0, "no schedule reached an overdue wake: the test saw nothing");
    }

    [Theory]
    [MemberData(nameof(StrategiesAndFlavors))]
    public void PinnedSemaphore_OverdueWake_ReservesThePermitUntilTheWokenWaiterCompetes(string strategy, bool cancelWoken)
    {
        var closed = 0;
        AssertNoBugs(async () => closed += await SemaphoreOverdueProgram(cancelWoken) ? 1 : 0, Options(strategy));
        Assert.True(closed > 0, "no schedule reached an overdue wake: the test saw nothing");
    }

    /// <summary>Returns whether the schedule closed the mutex to newcomers.</summary>
    private static async Task<bool> MutexOverdueProgram(bool cancelWoken)
    {
        var mutex = new PinnedMutex<int>(0);
        using var cancel = new CancellationTokenSource();
        var holder = await mutex.LockAsync();
        var woken = Explorer.Spawn(async () =>
        {
            try
            {
                using var guard = await mutex.LockAsync(cancel.Token);
                guard.Value += 1;
            }
            catch (OperationCanceledException) when (cancelWoken)
            {
            }
        });
        SpinUntil(() => mutex.WaiterCount == 1);
        var queued = Explorer.Spawn(async () =>
        {
            using var guard = await mutex.LockAsync();
            guard.Value += 10;
        });
        SpinUntil(() => mutex.WaiterCount == 2);

        holder.Dispose(); // wakes the first waiter
        var closed = false;
        for (var barge = 0; barge < 2 && mutex.TryLock(out holder); barge++)
        {
            var wokenHadIt = holder.Value != 0;
            holder.Dispose(); // with the wake pending: the first such release starts its clock, a later one finds it overdue
            if (wokenHadIt)
            {
                break;
            }

            if (barge == 0)
            {
                await Explorer.Delay(TimeSpan.FromMilliseconds(2));
            }
            else if (Refuses(mutex))
            {
                closed = true;
                if (cancelWoken)
                {
                    cancel.Cancel(); // not CancelAsync: that runs the callbacks on the thread pool, outside the explorer
                }

                Explorer.Assert(!mutex.TryLock(out var barger) || !Refuses(mutex) || !barger.Acquired,
                    "a newcomer took the mutex while it refused newcomers");
                barger.Dispose();
            }
        }

        await Task.WhenAll(woken, queued);
        var (locked, value) = (mutex.IsLocked, mutex.TryLock(out var last) ? last.Value : -1);
        last.Dispose();
        Explorer.Assert(!locked && mutex.WaiterCount == 0 && (value == 11 || (cancelWoken && value == 10)),
            $"left behind: locked {locked}, {mutex.WaiterCount} waiting, value {value}");
        Explorer.Assert(!Refuses(mutex), "the mutex still refuses newcomers with nobody on the way");
        mutex.Dispose();
        return closed;
    }

    /// <summary>Returns whether the schedule reserved the permit for the woken waiter.</summary>
    private static async Task<bool> SemaphoreOverdueProgram(bool cancelWoken)
    {
        using var semaphore = new PinnedSemaphore(1, 1);
        using var cancel = new CancellationTokenSource();
        var served = 0;
        await semaphore.WaitAsync();
        var woken = Explorer.Spawn(async () =>
        {
            try
            {
                await semaphore.WaitAsync(cancel.Token);
                served += 1;
                semaphore.Release();
            }
            catch (OperationCanceledException) when (cancelWoken)
            {
            }
        });
        SpinUntil(() => semaphore.WaiterCount == 1);
        var queued = Explorer.Spawn(async () =>
        {
            await semaphore.WaitAsync();
            served += 10;
            semaphore.Release();
        });
        SpinUntil(() => semaphore.WaiterCount == 2);

        semaphore.Release(); // wakes the first waiter
        var closed = false;
        for (var barge = 0; barge < 2 && semaphore.TryWait(); barge++)
        {
            var wokenHadIt = served != 0;
            semaphore.Release();
            if (wokenHadIt)
            {
                break;
            }

            if (barge == 0)
            {
                await Explorer.Delay(TimeSpan.FromMilliseconds(2));
            }
            else if (Refuses(semaphore))
            {
                closed = true;
                if (cancelWoken)
                {
                    cancel.Cancel(); // not CancelAsync: that runs the callbacks on the thread pool, outside the explorer
                }

                var taken = semaphore.TryWait();
                Explorer.Assert(!taken || !Refuses(semaphore), "a newcomer took the permit reserved for the woken waiter");
                if (taken)
                {
                    semaphore.Release();
                }
            }
        }

        await Task.WhenAll(woken, queued);
        Explorer.Assert(semaphore.CurrentCount == 1 && semaphore.WaiterCount == 0 && (served == 11 || (cancelWoken && served == 10)),
            $"left behind: {semaphore}, served {served}");
        Explorer.Assert(!Refuses(semaphore), "the semaphore still reserves its permit with nobody on the way");
        return closed;
    }

    private static unsafe bool Refuses(PinnedMutex<int> mutex) => RawMutex.RefusesNewcomers(mutex.Raw);

    private static unsafe bool Refuses(PinnedSemaphore semaphore) => RawSemaphore.RefusesNewcomers(semaphore.Raw);
}
