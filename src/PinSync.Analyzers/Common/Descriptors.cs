using Microsoft.CodeAnalysis;

namespace PinSync.Analyzers.Common;

/// <summary>
/// Every diagnostic PinSync reports. Ids are stable; each has a page <c>docs/diagnostics/PINSYNCxxx.md</c> with a
/// bad and a good example, which is its <see cref="DiagnosticDescriptor.HelpLinkUri"/>. 001–009: pinning; 010–019:
/// guards and condition variables; 020–029: <c>[PinData]</c>.
/// </summary>
internal static class Descriptors
{
    /// <summary>
    /// The repository's address: the <c>PinSyncRepositoryUrl</c> property of Directory.Build.props, which also gives the
    /// packages their RepositoryUrl and the packed READMEs their absolute links (a test keeps the two equal).
    /// </summary>
    public const string RepositoryUrl = "https://github.com/pinsync/pinsync";

    /// <summary>Where the diagnostic pages are browsed: <c>{RepositoryUrl}/blob/main/docs/diagnostics/</c>.</summary>
    public const string HelpLinkBase = RepositoryUrl + "/blob/main/docs/diagnostics/";

    private const string Pinning = "PinSync.Pinning";
    private const string Usage = "PinSync.Usage";
    private const string PinData = "PinSync.PinData";

    private static DiagnosticDescriptor Create(
        string id, string title, string message, string category, DiagnosticSeverity severity, string description) =>
        new(
            id,
            title,
            message,
            category,
            severity,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: HelpLinkBase + id + ".md");

    public static readonly DiagnosticDescriptor PinnedValueCopied = Create(
        "PINSYNC001",
        "Pinned value is copied",
        "'{0}' is pinned and must not be copied ({1}); take its address or a ref to it instead",
        Pinning,
        DiagnosticSeverity.Error,
        "A [Pinned] value points at itself or is pointed at from elsewhere; a copy keeps the old address inside it. "
        + "Use a pointer, a ref local, an 'in' or 'ref' parameter or a ref return instead.");

    public static readonly DiagnosticDescriptor PinnedValueBoxed = Create(
        "PINSYNC002",
        "Pinned value is boxed",
        "'{0}' is pinned and must not be converted to '{1}': boxing copies it onto the garbage-collected heap",
        Pinning,
        DiagnosticSeverity.Error,
        "Converting a [Pinned] struct to object, ValueType or an interface copies it into a box that the GC moves.");

    public static readonly DiagnosticDescriptor PinnedValueCaptured = Create(
        "PINSYNC003",
        "Pinned value is captured by a lambda or local function",
        "'{0}' of pinned type '{1}' is captured by a lambda, anonymous method or local function; the closure moves it",
        Pinning,
        DiagnosticSeverity.Error,
        "A captured variable is hoisted into a closure object on the GC heap. Capture a pointer to the pinned value instead.");

    public static readonly DiagnosticDescriptor PinnedLocalInAsyncOrIterator = Create(
        "PINSYNC004",
        "Pinned local in an async method or iterator",
        "'{0}' of pinned type '{1}' is a local of an {2}; its state machine moves it to the heap",
        Pinning,
        DiagnosticSeverity.Error,
        "Locals of async methods and iterators are hoisted into a state machine that is boxed when it suspends. "
        + "Keep pinned values in a PinBox or in a synchronous helper method.");

    public static readonly DiagnosticDescriptor PinnedInClassStorage = Create(
        "PINSYNC005",
        "Pinned type stored in a class or a static field",
        "'{0}' stores pinned type '{1}' in {2}, which the garbage collector moves; use PinBox<{1}> or native memory",
        Pinning,
        DiagnosticSeverity.Error,
        "Fields of classes (and static fields) live on the GC heap, which compacts. A pinned value needs stable storage: "
        + "a PinBox<T>, a slab node, a stack local, or a field of another [Pinned] struct.");

    public static readonly DiagnosticDescriptor PinnedFieldInUnpinnedStruct = Create(
        "PINSYNC006",
        "Struct embedding a pinned value must be [Pinned]",
        "{0}",
        Pinning,
        DiagnosticSeverity.Error,
        "A struct with a field of a pinned type is itself pinned; mark it [Pinned] (or [PinData]) so the rule is "
        + "visible where the type is written and its own copies are checked.");

    public static readonly DiagnosticDescriptor PinnedByValueSignature = Create(
        "PINSYNC007",
        "Pinned type passed or returned by value",
        "{0} '{1}' has pinned type '{2}' by value; use a pointer, 'ref', 'in' or 'ref readonly' instead",
        Pinning,
        DiagnosticSeverity.Error,
        "A by-value parameter or return of a pinned type copies the value at every call.");

    public static readonly DiagnosticDescriptor GuardNotDisposed = Create(
        "PINSYNC010",
        "MutexGuard is not disposed on every path",
        "{0}",
        Usage,
        DiagnosticSeverity.Warning,
        "A MutexGuard holds the lock until it is disposed. Acquire it in a using declaration or statement, or dispose "
        + "it in a finally block; a path that skips Dispose leaves the mutex locked forever.");

    public static readonly DiagnosticDescriptor GuardStoredInField = Create(
        "PINSYNC011",
        "MutexGuard is stored in a field",
        "'{0}' stores a MutexGuard in a field; a lock should be held by a scope, not by an object",
        Usage,
        DiagnosticSeverity.Warning,
        "A guard kept in a field outlives the scope that took the lock, and copies of the enclosing object copy the "
        + "guard. Keep guards in locals with using.");

    public static readonly DiagnosticDescriptor BlockingGuardAcrossAwait = Create(
        "PINSYNC012",
        "Guard of a blocking lock is held across await",
        "{0}",
        Usage,
        DiagnosticSeverity.Warning,
        "A guard taken with the blocking Lock() belongs to the thread that took it and keeps that lock while the method "
        + "is suspended. Take the lock with 'await LockAsync()' when the critical section awaits, or end the scope before the await.");

    public static readonly DiagnosticDescriptor CondVarWaitNotInLoop = Create(
        "PINSYNC013",
        "CondVar wait is not inside a loop",
        "'{0}' is not inside a loop that re-checks its condition; another thread may have changed the state before the lock was re-taken",
        Usage,
        DiagnosticSeverity.Warning,
        "When a condition-variable wait returns, the condition may no longer hold (another waiter ran first, or the "
        + "wait timed out). Wait in 'while (!condition) cv.Wait(guard);'.");

    public static readonly DiagnosticDescriptor GuardCopied = Create(
        "PINSYNC014",
        "MutexGuard is copied and both copies are used",
        "'{0}' is a copy of MutexGuard '{1}', and both are used afterwards{2}; one acquisition must have one owner: "
        + "move the guard (stop using '{1}') or pass it by 'in'/'ref'",
        Usage,
        DiagnosticSeverity.Warning,
        "A MutexGuard is a struct: a copy carries the same acquisition. Whichever copy is disposed first releases the lock, "
        + "and the other then reads a value it no longer protects or, once another thread has taken the lock, throws "
        + "SynchronizationLockException when it is used or disposed. Keep one guard per acquisition.");

    public static readonly DiagnosticDescriptor PinDataShape = Create(
        "PINSYNC020",
        "[PinData] type must be a non-generic partial struct",
        "[PinData] type '{0}' {1}; no initializer is generated",
        PinData,
        DiagnosticSeverity.Error,
        "The [PinData] generator adds members to the struct, so it and every type containing it must be partial, and it "
        + "must not be generic.");

    public static readonly DiagnosticDescriptor PinDataNotUnmanaged = Create(
        "PINSYNC021",
        "[PinData] struct must be unmanaged",
        "Field '{0}' of [PinData] struct '{1}' has managed type '{2}'; pinned storage is unmanaged memory the GC does not track",
        PinData,
        DiagnosticSeverity.Error,
        "Initializers write a [PinData] struct through a pointer into native or stack memory, so every field must be "
        + "unmanaged (no references).");

    public static readonly DiagnosticDescriptor PinOutsidePinData = Create(
        "PINSYNC022",
        "[Pin] field outside a [PinData] struct",
        "Field '{0}' is marked [Pin] but '{1}' is not a [PinData] struct (or the field is static); the attribute has no effect",
        PinData,
        DiagnosticSeverity.Error,
        "[Pin] marks a structurally pinned instance field of a [PinData] struct.");

    public static readonly DiagnosticDescriptor PinDataFieldNotWritable = Create(
        "PINSYNC023",
        "[PinData] member cannot be written in place",
        "'{0}' of [PinData] struct '{1}' is {2}; the generated initializer writes every field in place",
        PinData,
        DiagnosticSeverity.Error,
        "The generated initializer assigns plain fields and builds [Pin] fields through their address, which read-only "
        + "fields and auto-property backing fields do not allow. Use plain, writable fields.");

    public static readonly DiagnosticDescriptor PinnedFieldNotPin = Create(
        "PINSYNC024",
        "Pinned field of a [PinData] struct must be [Pin]",
        "Field '{0}' has pinned type '{1}'; mark it [Pin] so it is built in place by its own initializer",
        PinData,
        DiagnosticSeverity.Error,
        "A field whose type is pinned cannot be passed to the initializer by value; it must be built at its address.");
}
