namespace PinSync.Testing;

/// <summary>Thrown by <see cref="ExplorerAssert"/> when a run does not meet the expectation; the message carries
/// the bug, the readable failing schedule and the replay trace, so that a test runner shows all of it.</summary>
public sealed class ExplorerAssertException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExplorerAssertException()
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public ExplorerAssertException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ExplorerAssertException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="report"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="report">The report of the run.</param>
    public ExplorerAssertException(string message, ExplorerReport report)
        : base(message, report?.Exception)
    {
        Report = report;
    }

    /// <summary>The report of the run, when there was one.</summary>
    public ExplorerReport? Report { get; }
}
