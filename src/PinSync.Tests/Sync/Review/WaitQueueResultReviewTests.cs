using System.Diagnostics.CodeAnalysis;
using PinSync.Testing;

namespace PinSync.Tests.Sync.Review;

/// <summary>
/// Review of <c>WaitQueueResult</c>, the pooled source WaitQueue's async waits hand out in front of their pooled wait
/// loop: every outcome keeps its exception type through it (cancellation, timeout, dispose, a throwing condition),
/// awaiting one ValueTask twice is InvalidOperationException, a consumer with a SynchronizationContext resumes on it,
/// a result read by polling on another thread while the completion races it is always the real result, and under the
/// explorer the source adds no uncontrolled work.
/// </summary>
[SuppressMessage("Reliability", "CA2012:Use ValueTasks correctly", Justification = "Misuse of a ValueTask is under test.")]
public sealed class WaitQueueResultReviewTests : TestBase
{
    public static TheoryData<bool> Exclusive => new() { false, true };

    /// <summary>Pending waits ended by cancellation, timeout, dispose and a throwing condition: each outcome's type
    /// (and the token of an OperationCanceledException) comes through the source unchanged.</summary>
    [Theory]
    [MemberData(nameof(Exclusive))]
    public async Task PendingWait_EveryOutcomeKeepsItsType(bool exclusive)
    {
        var queue = new PinSync.WaitQueue();
        using var cts = new CancellationTokenSource();
        var never = () => false;
        ValueTask Untimed(Func<bool> condition, CancellationToken token) =>
            exclusive ? queue.WaitUntilExclusiveAsync(condition, token) : queue.WaitUntilAsync(condition, token);
        ValueTask<bool> Timed(Func<bool> condition, TimeSpan timeout, CancellationToken token) =>
            exclusive ? queue.WaitUntilExclusiveAsync(condition, timeout, token) : queue.WaitUntilAsync(condition, timeout, token);

        // Cancellation, untimed and timed: the token's own OperationCanceledException, not a wrapper.
        var canceled = Untimed(never, cts.Token).AsTask();
        var canceledTimed = Timed(never, UnexpectedTimeout, cts.Token).AsTask();
        Assert.False(canceled.IsCompleted);
        cts.Cancel();
        var oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.WaitAsync(UnexpectedTimeout));
        Assert.Equal(cts.Token, oce.CancellationToken);
        oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceledTimed.WaitAsync(UnexpectedTimeout));
        Assert.Equal(cts.Token, oce.CancellationToken);

        // Already canceled: the synchronous path keeps the type too.
        oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Untimed(never, cts.Token));
        Assert.Equal(cts.Token, oce.CancellationToken);

        // Timeout: false, no exception.
        Assert.False(await Timed(never, TimeSpan.FromMilliseconds(5), CancellationToken.None).AsTask().WaitAsync(UnexpectedTimeout));

        // A condition that throws when re-checked after a notification: its own exception.
        var calls = 0;
        var throwing = Untimed(() => ++calls > 1 ? throw new FormatException("condition") : false, CancellationToken.None).AsTask();
        queue.NotifyAll();
        await Assert.ThrowsAsync<FormatException>(() => throwing.WaitAsync(UnexpectedTimeout));

        // Dispose: ObjectDisposedException, untimed and timed.
        var disposed = Untimed(never, CancellationToken.None).AsTask();
        var disposedTimed = Timed(never, UnexpectedTimeout, CancellationToken.None).AsTask();
        queue.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => disposed.WaitAsync(UnexpectedTimeout));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => disposedTimed.WaitAsync(UnexpectedTimeout));
        Assert.Equal(0, queue.WaiterCount);
    }

    /// <summary>Awaiting one ValueTask a second time (after the first await consumed it, and after the source went
    /// back to the pool and out again to another wait) is InvalidOperationException, and the other wait is
    /// unaffected.</summary>
    [Fact]
    public async Task AwaitedTwice_IsInvalidOperation_AndTheReusedSourceIsUnaffected()
    {
        using var queue = new PinSync.WaitQueue();
        var ready = false;
        var first = queue.WaitUntilAsync(() => Volatile.Read(ref ready), UnexpectedTimeout);
        Assert.False(first.IsCompleted);
        Volatile.Write(ref ready, true);
        queue.NotifyAll();
        Assert.True(await first);

        // Probably the same pooled source, now handed to another pending wait.
        var go = false;
        var second = queue.WaitUntilAsync(() => Volatile.Read(ref go), UnexpectedTimeout);
        Assert.False(second.IsCompleted);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await first);
        Assert.Throws<InvalidOperationException>(() => first.GetAwaiter().GetResult());
        Assert.Equal(1, queue.WaiterCount);
        Volatile.Write(ref go, true);
        queue.NotifyAll();
        Assert.True(await second.AsTask().WaitAsync(UnexpectedTimeout));
    }

    /// <summary>A consumer that awaits under a SynchronizationContext resumes through that context (the source's
    /// inline completion does not run it on the pool thread).</summary>
    [Fact]
    public async Task Consumer_WithSynchronizationContext_ResumesThroughIt()
    {
        using var queue = new PinSync.WaitQueue();
        var context = new CountingContext();
        var ready = false;
        var resumedOnContext = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            _ = Consume();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        await WaitUntil(() => queue.WaiterCount == 1);
        Volatile.Write(ref ready, true);
        queue.NotifyAll();
        Assert.True(await resumedOnContext.Task.WaitAsync(UnexpectedTimeout));
        Assert.True(context.Posts > 0, "the continuation did not go through the consumer's context");

        async Task Consume()
        {
            await queue.WaitUntilAsync(() => Volatile.Read(ref ready));
            resumedOnContext.TrySetResult(SynchronizationContext.Current == context);
        }
    }

    /// <summary>Real threads: a consumer polls IsCompleted and reads the result while the notifier's completion races
    /// it on another thread, and a third thread keeps renting sources for its own waits meanwhile. Every read is the
    /// real result (never the pending-read exception, never another wait's outcome).</summary>
    [Fact]
    public async Task PolledRead_RacingCompletion_AlwaysTheRealResult()
    {
        const int Rounds = 300;
        using var queue = new PinSync.WaitQueue();
        using var other = new PinSync.WaitQueue();
        using var stop = new CancellationTokenSource();
        var generation = 0;
        var churn = Task.Run(async () =>
        {
            var tick = 0;
            while (!stop.IsCancellationRequested)
            {
                var wait = other.WaitUntilAsync(() => Volatile.Read(ref tick) > 0, UnexpectedTimeout);
                Volatile.Write(ref tick, 1);
                other.NotifyAll();
                Assert.True(await wait);
                Volatile.Write(ref tick, 0);
            }
        });

        var notifier = Task.Factory.StartNew(() =>
        {
            for (var round = 1; round <= Rounds; round++)
            {
                SpinWait.SpinUntil(() => queue.WaiterCount == 1 || stop.IsCancellationRequested);
                Volatile.Write(ref generation, round);
                queue.NotifyAll();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            for (var round = 1; round <= Rounds; round++)
            {
                var expected = round;
                var wait = queue.WaitUntilAsync(() => Volatile.Read(ref generation) >= expected, UnexpectedTimeout);
                var spins = new SpinWait();
                var deadline = Environment.TickCount64 + 30_000;
                while (!wait.IsCompleted)
                {
                    Assert.True(Environment.TickCount64 < deadline, $"round {round} never completed");
                    spins.SpinOnce();
                }

                Assert.True(ReadCompleted(wait), $"round {round}: a timed wait that was notified returned false");
            }
        }
        finally
        {
            stop.Cancel();
        }

        await notifier.WaitAsync(UnexpectedTimeout);
        await churn.WaitAsync(UnexpectedTimeout);
        Assert.Equal(0, queue.WaiterCount);
    }

    /// <summary>Under the explorer (with the invariant check): pending WaitQueue waits of both kinds, one timed, one
    /// canceled, completed through the source — no uncontrolled work is reported and every waiter ends once.</summary>
    [Fact]
    public void UnderTheExplorer_NoUncontrolledWork_EveryWaiterEndsOnce() => ExplorerAssert.NoBugs(async () =>
    {
        var queue = new PinSync.WaitQueue();
        using var cts = new CancellationTokenSource();
        var ready = false;
        var ended = 0;
        var shared = Explorer.Spawn(async () =>
        {
            await queue.WaitUntilAsync(() => ready);
            ended++;
        });
        var exclusive = Explorer.Spawn(async () =>
        {
            if (await queue.WaitUntilExclusiveAsync(() => ready, TimeSpan.FromMilliseconds(3)))
            {
                ended += 10;
            }
            else
            {
                ended += 100;
            }
        });
        var canceled = Explorer.Spawn(async () =>
        {
            try
            {
                await queue.WaitUntilAsync(() => false, cts.Token);
            }
            catch (OperationCanceledException)
            {
                ended += 1000;
            }
        });
        var canceler = Explorer.Spawn(cts.Cancel);
        ready = true;
        queue.NotifyAll();
        await Task.WhenAll(shared, exclusive, canceled, canceler);
        Explorer.Assert(ended is 1011 or 1101, $"ended {ended}");
        Explorer.Assert(queue.WaiterCount == 0, "a waiter stayed queued");
        queue.Dispose();
    }, new ExplorerOptions { Iterations = 300, Strategy = Strategy.Pct(3), Seed = 5, CheckInvariants = true });

    // The polling consumer's read of a ValueTask it saw completed (legal: IsCompleted, then one read).
    private static bool ReadCompleted(ValueTask<bool> completed) => completed.GetAwaiter().GetResult();

    private static async Task WaitUntil(Func<bool> done)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (!done())
        {
            Assert.True(Environment.TickCount64 < deadline, "timed out waiting for the condition");
            await Task.Delay(1);
        }
    }

    private sealed class CountingContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            ThreadPool.QueueUserWorkItem(_ =>
            {
                var previous = Current;
                SetSynchronizationContext(this);
                try
                {
                    d(state);
                }
                finally
                {
                    SetSynchronizationContext(previous);
                }
            });
        }
    }
}
