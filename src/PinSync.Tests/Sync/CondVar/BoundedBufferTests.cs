namespace PinSync.Tests.Sync.CondVar;

public sealed class BoundedBufferTests : TestBase
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(4, 4)]
    public async Task ProducersAndConsumers_SyncAndAsyncMixed_EveryItemExactlyOnce(int producers, int consumers)
    {
        const int PerProducer = 2_000;
        const int Capacity = 4;
        using var m = new PinnedMutex<Queue<int>>(new Queue<int>());
        using var notEmpty = new PinSync.CondVar();
        using var notFull = new PinSync.CondVar();
        var seen = new int[producers * PerProducer];
        var remaining = producers * PerProducer;

        var producerTasks = Enumerable.Range(0, producers).Select(p => p % 2 == 0
            ? Task.Factory.StartNew(() =>
            {
                for (var i = 0; i < PerProducer; i++)
                {
                    using var g = m.Lock();
                    while (g.Value.Count == Capacity)
                    {
                        notFull.Wait(g);
                    }

                    g.Value.Enqueue((p * PerProducer) + i);
                    notEmpty.NotifyOne();
                }
            }, TaskCreationOptions.LongRunning)
            : Task.Run(async () =>
            {
                for (var i = 0; i < PerProducer; i++)
                {
                    using var g = await m.LockAsync();
                    while (g.Value.Count == Capacity)
                    {
                        await notFull.WaitAsync(g);
                    }

                    g.Value.Enqueue((p * PerProducer) + i);
                    notEmpty.NotifyOne();
                }
            })).ToArray();

        var consumerTasks = Enumerable.Range(0, consumers).Select(c => c % 2 == 1
            ? Task.Factory.StartNew(() =>
            {
                while (true)
                {
                    using var g = m.Lock();
                    while (g.Value.Count == 0 && Volatile.Read(ref remaining) > 0)
                    {
                        notEmpty.Wait(g, TimeSpan.FromMilliseconds(20));
                    }

                    if (g.Value.Count == 0)
                    {
                        return;
                    }

                    Interlocked.Increment(ref seen[g.Value.Dequeue()]);
                    Interlocked.Decrement(ref remaining);
                    notFull.NotifyOne();
                }
            }, TaskCreationOptions.LongRunning)
            : Task.Run(async () =>
            {
                while (true)
                {
                    using var g = await m.LockAsync();
                    while (g.Value.Count == 0 && Volatile.Read(ref remaining) > 0)
                    {
                        await notEmpty.WaitAsync(g, TimeSpan.FromMilliseconds(20));
                    }

                    if (g.Value.Count == 0)
                    {
                        return;
                    }

                    Interlocked.Increment(ref seen[g.Value.Dequeue()]);
                    Interlocked.Decrement(ref remaining);
                    notFull.NotifyOne();
                }
            })).ToArray();

        await WithTimeout(Task.WhenAll(producerTasks.Concat(consumerTasks)), TimeSpan.FromSeconds(120));
        Assert.All(seen, count => Assert.Equal(1, count));
        Assert.Equal(0, notEmpty.WaiterCount);
        Assert.Equal(0, notFull.WaiterCount);
        Assert.False(m.IsLocked);
    }
}
