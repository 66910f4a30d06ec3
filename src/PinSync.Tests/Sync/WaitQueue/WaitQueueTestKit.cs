namespace PinSync.Tests.Sync.WaitQueue;

/// <summary>Shared helpers of the wait-queue tests.</summary>
internal static class WaitQueueTestKit
{
    /// <summary>How long a test may wait for a state that must come (a hang guard, never a timing assertion).</summary>
    internal static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    /// <summary>Spins (yielding) until <paramref name="condition"/> holds; fails the test after <see cref="Guard"/>.</summary>
    internal static void SpinUntil(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, Guard), $"Hang guard: {what} did not happen within {Guard}.");

    /// <summary>Runs <paramref name="body"/> on a dedicated thread (a blocking waiter); the task carries its outcome.</summary>
    internal static Task StartThread(Action body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Takes one token if there is one (a condition that consumes what it tests).</summary>
    internal static bool TryTake(ref int tokens)
    {
        var current = Volatile.Read(ref tokens);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref tokens, current - 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }
}

/// <summary>A flag a condition reads; one object per test, so the condition delegate allocates once.</summary>
internal sealed class Flag
{
    private volatile bool _value;

    internal bool IsSet => _value;

    internal void Set() => _value = true;

    internal void Reset() => _value = false;
}

/// <summary>The raw API through addresses, for async tests (an async method cannot be an unsafe context).</summary>
internal static unsafe class RawQueue
{
    internal static nint Address(PinSync.Pinning.PinBox<RawWaitQueue> box) => (nint)box.Pointer;

    internal static void WaitUntil(nint queue, Func<bool> condition, CancellationToken token) =>
        RawWaitQueue.WaitUntil((RawWaitQueue*)queue, condition, token);

    internal static bool WaitUntil(nint queue, Func<bool> condition, TimeSpan timeout) =>
        RawWaitQueue.WaitUntil((RawWaitQueue*)queue, condition, timeout);

    internal static void WaitUntilExclusive(nint queue, Func<bool> condition, CancellationToken token) =>
        RawWaitQueue.WaitUntilExclusive((RawWaitQueue*)queue, condition, token);

    internal static ValueTask WaitUntilAsync(nint queue, Func<bool> condition, CancellationToken token) =>
        RawWaitQueue.WaitUntilAsync((RawWaitQueue*)queue, condition, token);

    internal static ValueTask<bool> WaitUntilExclusiveAsync(nint queue, Func<bool> condition, TimeSpan timeout, CancellationToken token) =>
        RawWaitQueue.WaitUntilExclusiveAsync((RawWaitQueue*)queue, condition, timeout, token);

    internal static ValueTask WaitUntilExclusiveAsync(nint queue, Func<bool> condition, CancellationToken token) =>
        RawWaitQueue.WaitUntilExclusiveAsync((RawWaitQueue*)queue, condition, token);

    internal static int WakeOne(nint queue) => RawWaitQueue.WakeOne((RawWaitQueue*)queue);

    internal static int WakeAll(nint queue) => RawWaitQueue.WakeAll((RawWaitQueue*)queue);

    internal static void Dispose(nint queue) => RawWaitQueue.Dispose((RawWaitQueue*)queue);
}
