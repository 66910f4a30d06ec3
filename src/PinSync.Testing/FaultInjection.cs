namespace PinSync.Testing;

/// <summary>Which exception <see cref="ExplorerOptions.Faults"/> lets the strategy inject into a parked operation.</summary>
public enum FaultInjection
{
    /// <summary>No faults (the default).</summary>
    None = 0,

    /// <summary>A <see cref="ThreadInterruptedException"/>, as <see cref="Thread.Interrupt"/> delivers to a thread
    /// blocked in a wait.</summary>
    Interrupt = 1,

    /// <summary>An <see cref="InjectedFaultException"/>: any other exception out of the park, as a throwing callback
    /// or an <see cref="OutOfMemoryException"/> would raise it.</summary>
    Exception = 2,
}
