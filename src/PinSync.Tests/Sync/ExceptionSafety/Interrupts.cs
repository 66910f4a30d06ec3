namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>Helpers of the interrupt scenarios: block threads in a wait, interrupt them, collect what each saw.</summary>
internal static class Interrupts
{
    internal static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    /// <summary>Starts <paramref name="count"/> threads running <paramref name="wait"/>, waits until
    /// <paramref name="queued"/> reports them all queued, interrupts each and returns what each wait ended with
    /// (<see langword="null"/>: it returned).</summary>
    internal static Exception?[] InterruptBlocked(int count, Action wait, Func<int> queued)
    {
        var outcomes = new Exception?[count];
        var threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    wait();
                }
                catch (Exception exception)
                {
                    outcomes[index] = exception;
                }
            })
            { IsBackground = true, Name = $"waiter {i}" };
            threads[i].Start();
        }

        WaitFor(() => queued() == count, $"{count} waiters queued");
        foreach (var thread in threads)
        {
            thread.Interrupt();
        }

        Join(threads);
        return outcomes;
    }

    /// <summary>Asserts that every wait ended with <see cref="ThreadInterruptedException"/>.</summary>
    internal static void AllInterrupted(Exception?[] outcomes)
    {
        foreach (var outcome in outcomes)
        {
            Assert.IsType<ThreadInterruptedException>(outcome);
        }
    }

    internal static void WaitFor(Func<bool> condition, string what)
    {
        if (!SpinWait.SpinUntil(condition, Guard))
        {
            throw new TimeoutException($"Not reached within {Guard.TotalSeconds:0} s: {what}.");
        }
    }

    internal static void Join(params Thread[] threads)
    {
        foreach (var thread in threads)
        {
            if (!thread.Join(Guard))
            {
                throw new TimeoutException($"Thread '{thread.Name}' did not finish within {Guard.TotalSeconds:0} s (hang guard).");
            }
        }
    }

    /// <summary>Clears an interrupt left pending on the calling thread (a wait that won its race with it).</summary>
    internal static bool ClearPending()
    {
        try
        {
            Thread.Sleep(0);
            return false;
        }
        catch (ThreadInterruptedException)
        {
            return true;
        }
    }
}
