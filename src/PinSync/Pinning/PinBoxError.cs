namespace PinSync.Pinning;

/// <summary>
/// Why <c>PinBox&lt;T&gt;.TryCreate</c> failed: either the native memory could not be allocated, or the initializer
/// failed with <see cref="InitError"/>.
/// </summary>
/// <typeparam name="TError">The initializer's error type.</typeparam>
public readonly struct PinBoxError<TError>
{
    private PinBoxError(bool allocationFailed, TError initError)
    {
        AllocationFailed = allocationFailed;
        InitError = initError;
    }

    /// <summary>Gets a value indicating whether the native memory could not be allocated (the initializer never
    /// ran).</summary>
    public bool AllocationFailed { get; }

    /// <summary>Gets the initializer's error when it failed; the default when <see cref="AllocationFailed"/>.</summary>
    public TError InitError { get; }

    /// <summary>Describes the failure.</summary>
    /// <returns>A short text naming the allocation failure or the initializer's error.</returns>
    public override string ToString() =>
        AllocationFailed ? "native memory could not be allocated" : $"initializer failed: {InitError}";

    internal static PinBoxError<TError> Allocation() => new(true, default!);

    internal static PinBoxError<TError> Init(TError error) => new(false, error);
}
