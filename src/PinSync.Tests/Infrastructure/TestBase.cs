namespace PinSync.Tests;

/// <summary>
/// Base of every test class: named timeouts and a token that fires when a test has run too long, so a deadlock
/// fails the test instead of hanging the run (model: dotNext <c>DotNext.Tests/Test.cs</c>).
/// </summary>
public abstract class TestBase : IDisposable
{
    /// <summary>How long a test may wait for something that must happen; hitting it is a failure (a hang guard).</summary>
    protected static readonly TimeSpan UnexpectedTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A timeout the test expects to elapse: short, and never asserted as a wall-clock duration.</summary>
    protected static readonly TimeSpan ExpectedTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>The hang guard of a whole test.</summary>
    protected static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _timeoutSource = new(DefaultTimeout);

    /// <summary>Fires when the test has run for <see cref="DefaultTimeout"/>.</summary>
    protected CancellationToken TestTimeoutToken => _timeoutSource.Token;

    /// <summary>Waits for <paramref name="task"/> with the hang guard; a hang fails the test with a clear message.</summary>
    protected static async Task WithTimeout(Task task, TimeSpan? timeout = null)
    {
        var limit = timeout ?? UnexpectedTimeout;
        if (await Task.WhenAny(task, Task.Delay(limit)) != task)
        {
            throw new TimeoutException($"The operation did not complete within {limit} (hang guard).");
        }

        await task;
    }

    /// <summary>Waits for <paramref name="task"/> with the hang guard and returns its result.</summary>
    protected static async Task<T> WithTimeout<T>(Task<T> task, TimeSpan? timeout = null)
    {
        await WithTimeout((Task)task, timeout);
        return await task;
    }

    /// <summary>Joins <paramref name="thread"/> with the hang guard.</summary>
    protected static void JoinOrFail(Thread thread, TimeSpan? timeout = null)
    {
        var limit = timeout ?? UnexpectedTimeout;
        Assert.True(thread.Join(limit), $"Thread '{thread.Name}' did not finish within {limit} (hang guard).");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _timeoutSource.Dispose();
        GC.SuppressFinalize(this);
    }
}
