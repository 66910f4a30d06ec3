using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>
/// PinnedSemaphore's barging discipline (issue 13 item 6) under the explorer: a release wakes a queued head for every
/// free permit nobody is on the way for yet (Count &gt; Woken), a woken waiter competes with newcomers and re-queues
/// at the head if it loses, a woken waiter that gives up passes its wake on, and a head past the starvation bound is
/// handed its permit directly. After every schedule the explorer's probe checks the semaphore at rest (list
/// well-formed, nobody queued, no woken waiter unsettled, permits conserved). Two mutants, each breaking one rule so
/// that a waiter sleeps while a permit is free, are found with a trace that replays the hang.
/// </summary>
public sealed partial class PrimitivePropertyTests
{
    /// <summary>Two waiters (sync, async) on an empty two-permit semaphore, two releases: both waiters get a permit in
    /// every schedule, including those where the second release comes while the first woken waiter has not run yet
    /// (it must wake the second waiter: one permit each).</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedSemaphore_TwoReleasesWhileFirstWokenInFlight_BothWaitersServed(string strategy) =>
        AssertNoBugs(() => TwoWokenProgram(mutant: false), Options(strategy));

    /// <summary>The mutex's one-bit wake-pending rule transplanted (a release wakes nobody while any woken waiter is
    /// on its way): the explorer finds the second waiter asleep with a permit free, and the trace replays it.</summary>
    [Fact]
    public void PinnedSemaphore_OneWakePendingMutant_FoundAndReplayed() =>
        AssertMutantFoundAndReplayed(() => TwoWokenProgram(mutant: true));

    /// <summary>A cancelable waiter (sync or async) is woken by a release and canceled in the same instant; a plain
    /// waiter (the other kind) is queued behind it. In every schedule the plain waiter ends with the permit: the
    /// canceled one either took it (and gave it back) or passed its wake on.</summary>
    [Theory]
    [MemberData(nameof(StrategiesAndFlavors))]
    public void PinnedSemaphore_WokenWaiterCanceled_PassesWakeOn(string strategy, bool asyncCanceled) =>
        AssertNoBugs(() => CanceledWokenProgram(asyncCanceled, mutant: false), Options(strategy));

    /// <summary>A woken waiter that gives up without passing its wake on: found (the plain waiter sleeps on a free
    /// permit), and replayed.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PinnedSemaphore_NoPassOnMutant_FoundAndReplayed(bool asyncCanceled) =>
        AssertMutantFoundAndReplayed(() => CanceledWokenProgram(asyncCanceled, mutant: true));

    /// <summary>A starving head is handed its permit: two waiters queue (sync, then async) while the holder keeps the
    /// permit past <see cref="RawMutex.StarvationThreshold"/> in virtual time, then a newcomer arrives as the holder
    /// releases. Each release hands the permit to the oldest waiter, so the order is always 1, 2, then the newcomer.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void PinnedSemaphore_WaitersQueuedPastStarvationBound_HandedOverBeforeNewcomer(string strategy) =>
        AssertHandedOverBeforeNewcomer(SemaphoreStarvationProgram, strategy);

    /// <summary>The twin, showing the handoff test is not vacuous: below the bound a release only wakes the head, and
    /// DFS sees the newcomer barge ahead of a queued waiter as well as the queue order.</summary>
    [Fact]
    public void PinnedSemaphore_WaitersBelowStarvationBound_NewcomerMayBarge() => AssertNewcomerMayBarge(SemaphoreStarvationProgram);

    /// <summary>The wake racing every other way out: a timed async waiter, a cancelable blocking waiter, a plain async
    /// waiter and a barging <c>TryWait</c> share one permit while the holder releases and the token is canceled
    /// (and, with <paramref name="dispose"/>, the semaphore is disposed). Never two holders; every flow ends; the
    /// probe checks permits conserved and no wake left unsettled; without dispose the permit is back. PCT only: five
    /// flows with timers are beyond DFS(2)'s 100 000 schedules.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PinnedSemaphore_WakeRacingTimeoutCancelAndDispose_PermitsConserved(bool dispose) =>
        AssertNoBugs(async () =>
        {
            var semaphore = new PinnedSemaphore(1, 1);
            using var cancel = new CancellationTokenSource();
            var inside = 0;
            void Critical()
            {
                Explorer.Assert(++inside == 1, "two holders of a one-permit semaphore");
                inside--;
            }

            void Release()
            {
                try
                {
                    semaphore.Release();
                }
                catch (ObjectDisposedException) when (dispose)
                {
                }
            }

            semaphore.Wait(); // the holder
            var timed = Explorer.Spawn(async () =>
            {
                try
                {
                    if (await semaphore.WaitAsync(TimeSpan.FromMilliseconds(5)))
                    {
                        Critical();
                        Release();
                    }
                }
                catch (ObjectDisposedException) when (dispose)
                {
                }
            });
            var cancelable = Explorer.Spawn(() =>
            {
                try
                {
                    semaphore.Wait(cancel.Token);
                    Critical();
                    Release();
                }
                catch (OperationCanceledException)
                {
                }
                catch (ObjectDisposedException) when (dispose)
                {
                }
            });
            var plain = Explorer.Spawn(async () =>
            {
                try
                {
                    await semaphore.WaitAsync();
                    Critical();
                    Release();
                }
                catch (ObjectDisposedException) when (dispose)
                {
                }
            });
            var barger = Explorer.Spawn(() =>
            {
                try
                {
                    if (semaphore.TryWait())
                    {
                        Critical();
                        Release();
                    }
                }
                catch (ObjectDisposedException) when (dispose)
                {
                }
            });

            SchedulingPoint.Interleave();
            Release();
            cancel.Cancel();
            if (dispose)
            {
                SchedulingPoint.Interleave();
                semaphore.Dispose();
            }

            await Task.WhenAll(timed, cancelable, plain, barger);
            Explorer.Assert(semaphore.WaiterCount == 0, $"a waiter stayed queued: {semaphore}");
            Explorer.Assert(dispose || semaphore.CurrentCount == 1, $"permit lost or doubled: {semaphore}");
            semaphore.Dispose();
        }, Options("pct"));

    private static async Task TwoWokenProgram(bool mutant)
    {
        var semaphore = new PinnedSemaphore(0, 2);
        RawSemaphore.s_mutantOneWakePendingFor = mutant ? Address(semaphore) : 0;
        try
        {
            var got = 0;
            var sync = Explorer.Spawn(() =>
            {
                semaphore.Wait();
                got++;
            });
            SpinUntil(() => semaphore.WaiterCount == 1);
            var async = Explorer.Spawn(async () =>
            {
                await semaphore.WaitAsync();
                got++;
            });
            SpinUntil(() => semaphore.WaiterCount == 2);
            semaphore.Release();
            semaphore.Release();
            await Task.WhenAll(sync, async);
            Explorer.Assert(got == 2 && semaphore.CurrentCount == 0 && semaphore.WaiterCount == 0, $"left behind: {semaphore}");
            semaphore.Dispose();
        }
        finally
        {
            RawSemaphore.s_mutantOneWakePendingFor = 0;
        }
    }

    private static async Task CanceledWokenProgram(bool asyncCanceled, bool mutant)
    {
        var semaphore = new PinnedSemaphore(0, 1);
        RawSemaphore.s_mutantNoPassOnFor = mutant ? Address(semaphore) : 0;
        try
        {
            using var cancel = new CancellationTokenSource();
            var canceledGot = false;
            Task canceled = asyncCanceled
                ? Explorer.Spawn(async () =>
                {
                    try
                    {
                        await semaphore.WaitAsync(cancel.Token);
                        canceledGot = true;
                        semaphore.Release();
                    }
                    catch (OperationCanceledException)
                    {
                    }
                })
                : Explorer.Spawn(() =>
                {
                    try
                    {
                        semaphore.Wait(cancel.Token);
                        canceledGot = true;
                        semaphore.Release();
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            SpinUntil(() => semaphore.WaiterCount == 1);
            Task plain = asyncCanceled
                ? Explorer.Spawn(() => semaphore.Wait())
                : Explorer.Spawn(async () => await semaphore.WaitAsync());
            SpinUntil(() => semaphore.WaiterCount == 2);
            semaphore.Release(); // wakes the cancelable waiter (the head)
            cancel.Cancel();
            await Task.WhenAll(canceled, plain);
            Explorer.Assert(semaphore.CurrentCount == 0 && semaphore.WaiterCount == 0,
                $"the plain waiter must hold the one permit (canceled waiter got it first: {canceledGot}): {semaphore}");
            semaphore.Dispose();
        }
        finally
        {
            RawSemaphore.s_mutantNoPassOnFor = 0;
        }
    }

    private static async Task<string> SemaphoreStarvationProgram(TimeSpan holdFor)
    {
        using var semaphore = new PinnedSemaphore(1, 1);
        var order = string.Empty;
        await semaphore.WaitAsync(); // the holder
        var first = Explorer.Spawn(() =>
        {
            semaphore.Wait();
            order += '1';
            semaphore.Release();
        });
        SpinUntil(() => semaphore.WaiterCount == 1);
        var second = Explorer.Spawn(async () =>
        {
            await semaphore.WaitAsync();
            order += '2';
            semaphore.Release();
        });
        SpinUntil(() => semaphore.WaiterCount == 2);
        if (holdFor > TimeSpan.Zero)
        {
            await Explorer.Delay(holdFor); // virtual time passes while the permit is held
        }

        var newcomer = Explorer.Spawn(() =>
        {
            semaphore.Wait();
            order += 'n';
            semaphore.Release();
        });
        semaphore.Release();
        await Task.WhenAll(first, second, newcomer);
        Explorer.Assert(semaphore.CurrentCount == 1 && semaphore.WaiterCount == 0, $"left behind: {semaphore}");
        return order;
    }

    /// <summary>The raw semaphore's address, which the mutant switches name.</summary>
    private static unsafe nint Address(PinnedSemaphore semaphore) => (nint)semaphore.Raw;

    /// <summary>A mutant program must hang (a waiter asleep while a permit is free) within a few hundred PCT
    /// iterations, and its trace must replay the same hang.</summary>
    private static void AssertMutantFoundAndReplayed(Func<Task> body)
    {
        var report = Explorer.Run(body, new ExplorerOptions { Iterations = 500, Strategy = Strategy.Pct(3), Seed = 2025 });
        Assert.True(report.Kind is BugKind.Deadlock or BugKind.UnfinishedOperation, $"expected a hang, got: {report}");
        Assert.NotNull(report.Trace);
        var replay = Explorer.Replay(report.Trace!, body);
        Assert.Equal(report.Kind, replay.Kind);
    }
}
