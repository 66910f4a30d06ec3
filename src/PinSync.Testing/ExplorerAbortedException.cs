namespace PinSync.Testing;

/// <summary>
/// Thrown into an operation of an <see cref="Explorer"/> run to stop it: the iteration ended (a bug was found, or the
/// run was torn down) and the operation must unwind. Test code should not catch it (a <c>catch (Exception)</c> that
/// swallows it keeps running until its next scheduling point, where it is thrown again).
/// </summary>
public sealed class ExplorerAbortedException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ExplorerAbortedException()
        : base("The explorer stopped this operation: its iteration has ended (a bug was found or the run was torn down).")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public ExplorerAbortedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ExplorerAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
