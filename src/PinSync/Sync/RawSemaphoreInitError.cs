namespace PinSync;

/// <summary>Why an <see cref="InitRawSemaphore"/> failed. A value, not an exception, so that a failed in-place
/// initialization allocates nothing; <see cref="PinnedSemaphore"/> validates first and throws
/// <see cref="ArgumentOutOfRangeException"/>.</summary>
public enum RawSemaphoreInitError
{
    /// <summary>No error: the initializer succeeded.</summary>
    None = 0,

    /// <summary>The maximum count was zero or negative.</summary>
    MaxCountNotPositive = 1,

    /// <summary>The initial count was negative or greater than the maximum count.</summary>
    InitialCountOutOfRange = 2,
}
