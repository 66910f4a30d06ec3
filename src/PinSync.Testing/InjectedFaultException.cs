namespace PinSync.Testing;

/// <summary>
/// The exception <see cref="FaultInjection.Exception"/> throws out of a parked operation's wait. When it (or an
/// injected <see cref="ThreadInterruptedException"/>) escapes a flow, the flow counts as cut short, not as a bug: the
/// explorer then checks that every primitive came out whole.
/// </summary>
public sealed class InjectedFaultException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public InjectedFaultException()
        : base("A fault injected by the explorer ended this wait.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public InjectedFaultException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InjectedFaultException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
