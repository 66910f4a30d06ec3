namespace PinSync.Tests.Sync.Semaphore;

/// <summary>Shared waits of the semaphore tests, each with a hang guard.</summary>
internal static class SemaphoreTestHelpers
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary>Waits until <paramref name="semaphore"/> has <paramref name="count"/> queued waiters.</summary>
    public static void WaitForWaiters(PinnedSemaphore semaphore, int count) =>
        Assert.True(
            SpinWait.SpinUntil(() => semaphore.WaiterCount == count, HangGuard),
            $"Expected {count} queued waiters, saw {semaphore.WaiterCount} (hang guard).");

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static void WaitUntil(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, HangGuard), $"Timed out waiting until {what} (hang guard).");

    /// <summary>Starts a dedicated background thread.</summary>
    public static Thread StartThread(string name, Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }
}
