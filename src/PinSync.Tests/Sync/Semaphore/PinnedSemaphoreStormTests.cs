using System.Diagnostics;
using static PinSync.Tests.Sync.Semaphore.SemaphoreTestHelpers;

namespace PinSync.Tests.Sync.Semaphore;

public sealed class PinnedSemaphoreStormTests : TestBase
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task MixedWaitsAndReleases_ThreadsAndTasks_NeverExceedMaxAndEndExact(int max)
    {
        const int PerWorker = 1_500;
        using var s = new PinnedSemaphore(max, max);
        var inUse = 0;
        var peak = 0;
        var violations = 0;
        var acquisitions = 0L;

        void Hold()
        {
            var now = Interlocked.Increment(ref inUse);
            if (now > max)
            {
                Interlocked.Increment(ref violations);
            }

            InterlockedMax(ref peak, now);
            Thread.SpinWait(20);
            Interlocked.Decrement(ref inUse);
            Interlocked.Increment(ref acquisitions);
            s.Release(); // never SemaphoreFull: every permit released here was acquired just before
        }

        var errors = new List<Exception>();
        var threads = Enumerable.Range(0, 3).Select(i => StartThread($"semaphore-storm-{i}", () =>
        {
            try
            {
                var random = new Random(100 + i);
                using var cts = new CancellationTokenSource();
                for (var n = 0; n < PerWorker; n++)
                {
                    var acquired = random.Next(4) switch
                    {
                        0 => s.TryWait(),
                        1 => s.Wait(random.Next(2), TestTimeoutToken),
                        2 => s.Wait(UnexpectedTimeout, cts.Token),
                        _ => WaitUntilCanceled(s, TestTimeoutToken),
                    };
                    if (acquired)
                    {
                        Hold();
                    }
                }
            }
            catch (Exception e)
            {
                lock (errors)
                {
                    errors.Add(e);
                }
            }
        })).ToList();

        var tasks = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            var random = new Random(200 + i);
            for (var n = 0; n < PerWorker; n++)
            {
                using var cts = new CancellationTokenSource();
                bool acquired;
                switch (random.Next(4))
                {
                    case 0:
                        await s.WaitAsync(TestTimeoutToken);
                        acquired = true;
                        break;
                    case 1:
                        acquired = await s.WaitAsync(random.Next(2), TestTimeoutToken);
                        break;
                    case 2:
                        // Canceled at a random moment: either acquired or canceled, never both.
                        var pending = s.WaitAsync(cts.Token);
                        if (random.Next(2) == 0)
                        {
                            await cts.CancelAsync();
                        }

                        try
                        {
                            await pending;
                            acquired = true;
                        }
                        catch (OperationCanceledException)
                        {
                            acquired = false;
                        }

                        break;
                    default:
                        acquired = await s.WaitAsync(UnexpectedTimeout);
                        Assert.True(acquired, "hang guard");
                        break;
                }

                if (acquired)
                {
                    Hold();
                }
            }
        })).ToArray();

        await WithTimeout(Task.WhenAll(tasks), DefaultTimeout);
        threads.ForEach(t => JoinOrFail(t, DefaultTimeout));
        Assert.Empty(errors);
        Assert.Equal(0, violations);
        Assert.InRange(peak, 1, max);
        Assert.True(acquisitions > 0);
        Assert.Equal(max, s.CurrentCount);
        Assert.Equal(0, s.WaiterCount);
    }

    [Fact]
    public async Task TimeoutVersusGrant_AsyncRepeatedThousandsOfTimes_PermitNeverLostOrDoubled()
    {
        const int Rounds = 3_000;
        using var s = new PinnedSemaphore(0, 1);
        var random = new Random(7);
        var outcomes = new int[2];
        for (var r = 0; r < Rounds; r++)
        {
            var pending = s.WaitAsync(TimeSpan.FromMilliseconds(1)).AsTask();
            SpinFor(random.NextDouble() * 1.5); // release around the moment the timeout fires
            s.Release();

            var acquired = await WithTimeout(pending);
            outcomes[acquired ? 1 : 0]++;
            AssertOneRoundSettled(s, acquired);
        }

        Assert.Equal(0, s.CurrentCount);
        Assert.Equal(0, s.WaiterCount);
        Assert.Equal(Rounds, outcomes[0] + outcomes[1]);
    }

    [Fact]
    public void TimeoutVersusGrant_BlockingRepeatedThousandsOfTimes_PermitNeverLostOrDoubled()
    {
        const int Rounds = 1_500;
        using var s = new PinnedSemaphore(0, 1);
        using var barrier = new Barrier(2);
        var results = new bool[Rounds];
        Exception? error = null;
        var waiter = StartThread("semaphore-timeout-race", () =>
        {
            try
            {
                for (var r = 0; r < Rounds; r++)
                {
                    Assert.True(barrier.SignalAndWait(UnexpectedTimeout), "hang guard");
                    results[r] = s.Wait(1);
                    Assert.True(barrier.SignalAndWait(UnexpectedTimeout), "hang guard");
                }
            }
            catch (Exception e)
            {
                error = e;
                barrier.RemoveParticipant();
            }
        });

        var random = new Random(11);
        for (var r = 0; r < Rounds && error is null; r++)
        {
            Assert.True(barrier.SignalAndWait(UnexpectedTimeout), "hang guard");
            SpinFor(random.NextDouble() * 1.5);
            s.Release();
            Assert.True(barrier.SignalAndWait(UnexpectedTimeout), "hang guard");
            AssertOneRoundSettled(s, results[r]);
        }

        JoinOrFail(waiter);
        Assert.Null(error);
        Assert.Equal(0, s.CurrentCount);
        Assert.Equal(0, s.WaiterCount);
    }

    [Fact]
    public async Task CancellationVersusGrant_AsyncRepeated_PermitNeverLostOrDoubled()
    {
        const int Rounds = 2_000;
        using var s = new PinnedSemaphore(0, 1);
        var random = new Random(13);
        for (var r = 0; r < Rounds; r++)
        {
            using var cts = new CancellationTokenSource();
            var pending = s.WaitAsync(cts.Token).AsTask();
            var spin = random.Next(200);
            var canceller = Task.Run(() =>
            {
                Thread.SpinWait(spin);
                cts.Cancel();
            });
            Thread.SpinWait(random.Next(200));
            s.Release();
            await WithTimeout(canceller);

            bool acquired;
            try
            {
                await WithTimeout(pending);
                acquired = true;
            }
            catch (OperationCanceledException)
            {
                acquired = false;
            }

            AssertOneRoundSettled(s, acquired);
        }

        Assert.Equal(0, s.CurrentCount);
        Assert.Equal(0, s.WaiterCount);
    }

    [Fact]
    public void CancellationVersusGrant_BlockingRepeated_PermitNeverLostOrDoubled()
    {
        const int Rounds = 1_000;
        using var s = new PinnedSemaphore(0, 1);
        var random = new Random(17);
        for (var r = 0; r < Rounds; r++)
        {
            using var cts = new CancellationTokenSource();
            var acquired = false;
            Exception? error = null;
            var waiter = StartThread("semaphore-cancel-race", () =>
            {
                try
                {
                    acquired = s.Wait(UnexpectedTimeout, cts.Token);
                    Assert.True(acquired, "hang guard");
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception e)
                {
                    error = e;
                }
            });
            if (r % 2 == 0)
            {
                WaitForWaiters(s, 1); // half the rounds race a parked waiter, half a waiter still on its way in
            }

            Thread.SpinWait(random.Next(500));
            cts.Cancel();
            s.Release();
            JoinOrFail(waiter);
            Assert.Null(error);
            AssertOneRoundSettled(s, acquired);
        }

        Assert.Equal(0, s.CurrentCount);
    }

    /// <summary>After one release raced one waiter: if the waiter reports success it owns the permit (count 0),
    /// otherwise the permit is in the count; either way take it back so the next round starts at 0.</summary>
    private static void AssertOneRoundSettled(PinnedSemaphore s, bool acquired)
    {
        Assert.Equal(0, s.WaiterCount);
        if (acquired)
        {
            Assert.Equal(0, s.CurrentCount); // not doubled
        }
        else
        {
            Assert.Equal(1, s.CurrentCount); // not lost
            Assert.True(s.TryWait());
        }
    }

    private static bool WaitUntilCanceled(PinnedSemaphore s, CancellationToken hangGuard)
    {
        s.Wait(hangGuard);
        return true;
    }

    private static void SpinFor(double milliseconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(milliseconds * Stopwatch.Frequency / 1000);
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(10);
        }
    }

    private static void InterlockedMax(ref int location, int value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
