using static PinSync.Tests.Sync.WaitQueue.WaitQueueTestKit;

namespace PinSync.Tests.Sync.WaitQueue;

public sealed class WaitQueueTimeoutCancellationTests : TestBase
{
    public enum Form
    {
        Sync,
        SyncExclusive,
        Async,
        AsyncExclusive,
    }

    [Theory]
    [InlineData(Form.Sync)]
    [InlineData(Form.SyncExclusive)]
    [InlineData(Form.Async)]
    [InlineData(Form.AsyncExclusive)]
    public async Task WaitUntil_Timeout_ReturnsFalseAndLeavesNothingQueued(Form form)
    {
        using var wq = new PinSync.WaitQueue();
        var evaluations = 0;
        Func<bool> condition = () =>
        {
            Interlocked.Increment(ref evaluations);
            return false;
        };

        var result = await WaitTimed(wq, form, condition, ExpectedTimeout, TestTimeoutToken);

        Assert.False(result);
        Assert.True(evaluations >= 2, "fast path, then the re-check after linking and/or the last look after the timeout");
        Assert.Equal(0, wq.WaiterCount);
        Assert.Equal(0, wq.WakeAll());
    }

    [Theory]
    [InlineData(Form.Sync)]
    [InlineData(Form.Async)]
    public async Task WaitUntil_ZeroTimeout_EvaluatesOnceWithoutQueuing(Form form)
    {
        using var wq = new PinSync.WaitQueue();
        var evaluations = 0;
        Func<bool> condition = () =>
        {
            evaluations++;
            return false;
        };

        Assert.False(await WaitTimed(wq, form, condition, TimeSpan.Zero, TestTimeoutToken));
        Assert.Equal(1, evaluations);
        Assert.Equal(0, wq.WaiterCount);
    }

    [Theory]
    [InlineData(Form.Sync)]
    [InlineData(Form.SyncExclusive)]
    [InlineData(Form.Async)]
    [InlineData(Form.AsyncExclusive)]
    public async Task WaitUntil_TokenCanceledWhileQueued_ThrowsAndLeavesNothingQueued(Form form)
    {
        using var wq = new PinSync.WaitQueue();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestTimeoutToken);
        Func<bool> condition = () => false;
        var untimed = form is Form.Sync or Form.Async;
        var wait = untimed
            ? WaitUntimed(wq, form, condition, cts.Token)
            : WaitTimed(wq, form, condition, UnexpectedTimeout, cts.Token);
        SpinUntil(() => wq.WaiterCount == 1, "waiter queued");

        await cts.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithTimeout(wait));
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(0, wq.WaiterCount);
        Assert.Equal(0, wq.WakeAll());
    }

    [Theory]
    [InlineData(Form.Sync)]
    [InlineData(Form.Async)]
    public async Task WaitUntil_TokenAlreadyCanceled_ThrowsWithoutEvaluating(Form form)
    {
        using var wq = new PinSync.WaitQueue();
        var evaluations = 0;
        Func<bool> condition = () =>
        {
            evaluations++;
            return true;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WaitUntimed(wq, form, condition, new CancellationToken(true)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WaitTimed(wq, form, condition, UnexpectedTimeout, new CancellationToken(true)));
        Assert.Equal(0, evaluations);
        Assert.Equal(0, wq.WaiterCount);
    }

    [Fact]
    public async Task WaitUntil_ConditionTrueAtLastLookAfterTimeout_ReturnsTrue()
    {
        // The condition turns true (and is consumed) on the look after the timeout: the true evaluation stands.
        using var wq = new PinSync.WaitQueue();
        var tokens = 0;
        var evaluations = 0;
        Func<bool> condition = () =>
        {
            if (Interlocked.Increment(ref evaluations) == 3)
            {
                Interlocked.Increment(ref tokens); // Arrives without a wake, just as the waiter gives up.
            }

            return TryTake(ref tokens);
        };

        var timeout = TimeSpan.FromMilliseconds(200); // Long enough that the timer never fires before the link.
        Assert.True(wq.WaitUntilExclusive(condition, timeout, TestTimeoutToken));
        Assert.Equal(0, tokens);
        evaluations = 0;
        Assert.True(await wq.WaitUntilExclusiveAsync(condition, timeout, TestTimeoutToken));
        Assert.Equal(0, tokens);
        Assert.Equal(0, wq.WaiterCount);
    }

    internal static Task<bool> WaitTimed(PinSync.WaitQueue wq, Form form, Func<bool> condition, TimeSpan timeout, CancellationToken token) =>
        form switch
        {
            Form.Sync => StartThreadResult(() => wq.WaitUntil(condition, timeout, token)),
            Form.SyncExclusive => StartThreadResult(() => wq.WaitUntilExclusive(condition, timeout, token)),
            Form.Async => wq.WaitUntilAsync(condition, timeout, token).AsTask(),
            _ => wq.WaitUntilExclusiveAsync(condition, timeout, token).AsTask(),
        };

    internal static Task WaitUntimed(PinSync.WaitQueue wq, Form form, Func<bool> condition, CancellationToken token) =>
        form switch
        {
            Form.Sync => StartThread(() => wq.WaitUntil(condition, token)),
            Form.SyncExclusive => StartThread(() => wq.WaitUntilExclusive(condition, token)),
            Form.Async => wq.WaitUntilAsync(condition, token).AsTask(),
            _ => wq.WaitUntilExclusiveAsync(condition, token).AsTask(),
        };

    private static Task<bool> StartThreadResult(Func<bool> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
