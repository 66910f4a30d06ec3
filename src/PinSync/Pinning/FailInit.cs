namespace PinSync.Pinning;

/// <summary>
/// An initializer that always fails with a fixed error and writes nothing; made by
/// <see cref="PinInit.Fail{T, TError}"/>. Useful as a placeholder and to test rollback paths.
/// </summary>
/// <typeparam name="T">The unmanaged type it pretends to build.</typeparam>
/// <typeparam name="TError">What the failure reports.</typeparam>
public readonly unsafe struct FailInit<T, TError> : IPinInit<T, TError>
    where T : unmanaged
{
    private readonly TError _error;

    /// <summary>Makes an initializer that fails with <paramref name="error"/>.</summary>
    /// <param name="error">The error to report.</param>
    public FailInit(TError error) => _error = error;

    /// <summary>Reports the error without touching <paramref name="slot"/>.</summary>
    /// <param name="slot">Ignored.</param>
    /// <param name="error">The fixed error.</param>
    /// <returns>Always <see langword="false"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must keep the usual contract; nothing is written, so nothing is owned.</remarks>
    public bool TryInit(T* slot, out TError error)
    {
        error = _error;
        return false;
    }
}
