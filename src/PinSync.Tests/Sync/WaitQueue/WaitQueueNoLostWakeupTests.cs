using static PinSync.Tests.Sync.WaitQueue.WaitQueueTestKit;

namespace PinSync.Tests.Sync.WaitQueue;

/// <summary>
/// Lost-wakeup hunts: every round needs every waiter to be woken, so one lost wakeup stalls the run, and the test's
/// token (the hang guard) turns the stall into a failure instead of a hung run.
/// </summary>
public sealed class WaitQueueNoLostWakeupTests : TestBase
{
    private const int Rounds = 3_000;

    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(2, 2, false)]
    [InlineData(3, 3, true)]
    public async Task WakeAll_ProducerAdvancesRounds_EveryWaiterSeesEveryRound(int syncWaiters, int asyncWaiters, bool exclusive)
    {
        using var rounds = new PinSync.WaitQueue();
        using var acks = new PinSync.WaitQueue();
        var token = TestTimeoutToken;
        var round = 0;
        var arrived = 0;
        var waiters = syncWaiters + asyncWaiters;

        var tasks = new List<Task>();
        for (var i = 0; i < syncWaiters; i++)
        {
            tasks.Add(StartThread(() =>
            {
                var target = 0;
                Func<bool> reached = () => Volatile.Read(ref round) >= target;
                for (target = 1; target <= Rounds; target++)
                {
                    if (exclusive)
                    {
                        rounds.WaitUntilExclusive(reached, token);
                    }
                    else
                    {
                        rounds.WaitUntil(reached, token);
                    }

                    Interlocked.Increment(ref arrived);
                    acks.WakeAll();
                }
            }));
        }

        for (var i = 0; i < asyncWaiters; i++)
        {
            tasks.Add(Task.Run(async () =>
            {
                var target = 0;
                Func<bool> reached = () => Volatile.Read(ref round) >= target;
                for (target = 1; target <= Rounds; target++)
                {
                    await rounds.WaitUntilAsync(reached, token);
                    Interlocked.Increment(ref arrived);
                    acks.WakeAll();
                }
            }));
        }

        var producer = StartThread(() =>
        {
            for (var r = 1; r <= Rounds; r++)
            {
                Volatile.Write(ref round, r);
                rounds.WakeAll();
                var expected = r * waiters;
                acks.WaitUntil(() => Volatile.Read(ref arrived) >= expected, token);
            }
        });

        await WithTimeout(producer, DefaultTimeout);
        await WithTimeout(Task.WhenAll(tasks), DefaultTimeout);
        Assert.Equal(Rounds * waiters, arrived);
        Assert.Equal(0, rounds.WaiterCount);
        Assert.Equal(0, acks.WaiterCount);
    }

    [Fact]
    public async Task WakeOne_TokensVersusExclusiveConsumers_EveryTokenConsumedOnce()
    {
        const int Tokens = 20_000;
        const int SyncConsumers = 3;
        const int AsyncConsumers = 3;
        using var wq = new PinSync.WaitQueue();
        var token = TestTimeoutToken;
        var available = 0;
        var consumed = 0;
        var done = new Flag();

        // A consumer takes a token inside its condition (a consuming predicate), so a wake it drops would strand one.
        bool Consume(ref bool took)
        {
            if (TryTake(ref available))
            {
                took = true;
                return true;
            }

            return done.IsSet;
        }

        void Account(bool took)
        {
            if (took && Interlocked.Increment(ref consumed) == Tokens)
            {
                done.Set();
                wq.WakeAll();
            }
        }

        var consumers = new List<Task>();
        for (var i = 0; i < SyncConsumers; i++)
        {
            consumers.Add(StartThread(() =>
            {
                var took = false;
                Func<bool> condition = () => Consume(ref took);
                while (!done.IsSet)
                {
                    took = false;
                    wq.WaitUntilExclusive(condition, token);
                    Account(took);
                }
            }));
        }

        for (var i = 0; i < AsyncConsumers; i++)
        {
            consumers.Add(Task.Run(async () =>
            {
                var took = false;
                Func<bool> condition = () => Consume(ref took);
                while (!done.IsSet)
                {
                    took = false;
                    await wq.WaitUntilExclusiveAsync(condition, token);
                    Account(took);
                }
            }));
        }

        var producer = StartThread(() =>
        {
            for (var t = 0; t < Tokens; t++)
            {
                Interlocked.Increment(ref available);
                wq.WakeOne();
                if ((t & 63) == 0)
                {
                    Thread.Yield(); // Let the queue drain now and then, so that both sleeping and barging happen.
                }
            }
        });

        await WithTimeout(producer, DefaultTimeout);
        await WithTimeout(Task.WhenAll(consumers), DefaultTimeout);
        Assert.Equal(Tokens, consumed);
        Assert.Equal(0, available);
        Assert.Equal(0, wq.WaiterCount);
    }
}
