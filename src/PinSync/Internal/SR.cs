namespace PinSync.Internal;

/// <summary>Every exception message PinSync produces, in one place (model: dotNext <c>ExceptionMessages</c>).</summary>
internal static class SR
{
    // Locks and guards.
    internal const string LockNotHeld = "The lock is not held by this guard; it was released, or never acquired.";
    internal const string StaleGuard =
        "This guard belongs to an earlier acquisition of the lock; the lock has since been released and taken again.";
    internal const string LockRecursion =
        "The calling thread already holds this lock; waiting for it again would deadlock. PinSync locks are not recursive.";
    internal const string CondVarWaitWithoutLock = "CondVar.Wait requires a guard that holds the mutex.";
    internal const string CondVarMutexMismatch =
        "A CondVar can be used with only one mutex at a time; this wait names a different mutex than the current waiters.";

    // Semaphores.
    internal const string SemaphoreFull = "Adding the given count to the semaphore would exceed its maximum count.";
    internal const string InitialCountOutOfRange = "The initial count must be between 0 and the maximum count.";

    // Time.
    internal const string TimeoutOutOfRange =
        "The timeout must be Timeout.InfiniteTimeSpan (-1 ms) or a non-negative duration of at most int.MaxValue milliseconds.";

    // Pinning.
    internal const string AllocationFailed = "Native memory for a pinned value could not be allocated.";
    internal const string InitializerFailed = "The in-place initializer failed: ";
    internal const string AlignmentNotPowerOfTwo = "The alignment must be a power of two.";
    internal const string SlabNodeForeign = "The node was not rented from this slab, or was already returned.";

    // Lists.
    internal const string NodeAlreadyLinked = "The list node is already linked into a list.";
    internal const string ListFieldOutsideOwner = "The ListHead field address does not lie inside the owner struct.";

    // Scheduling.
    internal const string ControlNotEnabled =
        "The PinSync scheduling seam is not open to a controller in this process. Set the runtime option " +
        "'PinSync.Scheduling.EnableControl' to true (RuntimeHostConfigurationOption in the test project).";

    // Pinning: drops, infallible initializers.
    internal const string DropNotRegistered =
        "Dynamic code is not supported in this process, so PinDrop cannot reach IPinnedDrop.Drop of a generic type " +
        "parameter by itself. Call PinDrop.Register<T>() once at start-up for the type: ";
    internal const string InfallibleInitializerFailed =
        "An initializer whose error type is Infallible reported failure; it breaks the IPinInit contract.";
    internal const string DefaultInitializer =
        "The initializer is a default instance (it was never constructed); make it with the PinInit helpers.";

    // Object names for ObjectDisposedException raised below a façade.
    internal const string MutexName = "PinSync.RawMutex";
    internal const string SemaphoreName = "PinSync.RawSemaphore";
    internal const string CondVarName = "PinSync.RawCondVar";
    internal const string FieldOutsideStruct =
        "A field selector returned an address outside the struct being built; it must return the address of a field of it.";

    // Async waiters.
    internal const string PendingValueTask =
        "The wait has not completed yet: its ValueTask must be awaited (or turned into a Task with AsTask) before its result is read. The wait is still queued and can be awaited.";

    internal const string StaleValueTask =
        "This ValueTask was already consumed; a ValueTask returned by a PinSync wait may be awaited only once.";
}
