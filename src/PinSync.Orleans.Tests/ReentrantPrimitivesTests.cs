namespace PinSync.Orleans.Tests;

/// <summary>PinSync primitives inside a [Reentrant] Orleans grain: interleaved requests coordinate with
/// PinnedMutex&lt;T&gt;.LockAsync and CondVar.WaitAsync, and every continuation resumes on the activation's scheduler
/// (Orleans' single-threaded turn).</summary>
public sealed class ReentrantPrimitivesTests
{
    [Fact]
    public async Task PutTake_ReentrantGrainBoundedBuffer_EveryResumptionOnTheActivationAndOneThreadAtATime()
    {
        await using var cluster = await Clusters.StartAsync(silos: 1);
        try
        {
            var buffer = cluster.Client.GetGrain<IBufferGrain>("buffer");
            const int Pairs = 4;
            const int Items = 40;
            var producers = Enumerable.Range(0, Pairs).Select(p => Task.Run(async () =>
            {
                for (var i = 0; i < Items; i++)
                {
                    await buffer.Put((p * Items) + i);
                }
            }));
            var consumers = Enumerable.Range(0, Pairs).Select(_ => Task.Run(async () =>
            {
                long sum = 0;
                for (var i = 0; i < Items; i++)
                {
                    sum += await buffer.Take();
                }

                return sum;
            })).ToArray();

            await Task.WhenAll(producers).WaitAsync(TimeSpan.FromMinutes(1));
            var sums = await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromMinutes(1));

            var all = Pairs * Items;
            Assert.Equal((long)all * (all - 1) / 2, sums.Sum());
            var (resumptions, offScheduler, overlaps, waits) = await buffer.Audit();
            Assert.True(waits > 0, "no request ever waited on the condition variable (capacity too large?)");
            Assert.True(resumptions > all, $"{resumptions} resumptions");
            Assert.Equal(0, offScheduler);
            Assert.Equal(0, overlaps);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
        }
    }
}

public interface IBufferGrain : IGrainWithStringKey
{
    Task Put(int item);

    Task<int> Take();

    /// <summary>Resumptions checked, resumptions off the activation's scheduler, segments that overlapped another
    /// thread's, and CondVar waits.</summary>
    Task<(int Resumptions, int OffScheduler, int Overlaps, int Waits)> Audit();
}

/// <summary>A two-slot bounded buffer; reentrant, so a request waiting on a condition lets the others run.</summary>
[Reentrant]
public sealed class BufferGrain : Grain, IBufferGrain
{
    private const int Capacity = 2;
    private readonly PinnedMutex<Queue<int>> _queue = new(new Queue<int>());
    private readonly CondVar _notEmpty = new();
    private readonly CondVar _notFull = new();
    private TaskScheduler? _scheduler;
    private int _resumptions;
    private int _offScheduler;
    private int _inside;
    private int _overlaps;
    private int _waits;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _scheduler = TaskScheduler.Current;
        return Task.CompletedTask;
    }

    public async Task Put(int item)
    {
        Resumed();
        using var guard = await _queue.LockAsync();
        Resumed();
        while (guard.Value.Count == Capacity)
        {
            _waits++;
            await _notFull.WaitAsync(guard);
            Resumed();
        }

        guard.Value.Enqueue(item);
        _notEmpty.NotifyOne();
    }

    public async Task<int> Take()
    {
        Resumed();
        using var guard = await _queue.LockAsync();
        Resumed();
        while (guard.Value.Count == 0)
        {
            _waits++;
            await _notEmpty.WaitAsync(guard);
            Resumed();
        }

        var item = guard.Value.Dequeue();
        _notFull.NotifyOne();
        return item;
    }

    public Task<(int Resumptions, int OffScheduler, int Overlaps, int Waits)> Audit() =>
        Task.FromResult((_resumptions, _offScheduler, _overlaps, _waits));

    /// <summary>Checks the segment that starts here: on the activation's scheduler, and alone.</summary>
    private void Resumed()
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        _resumptions++;
        if (!ReferenceEquals(TaskScheduler.Current, _scheduler))
        {
            _offScheduler++;
        }

        Thread.SpinWait(20); // widen the window in which a second thread would be seen
        Interlocked.Decrement(ref _inside);
    }
}
