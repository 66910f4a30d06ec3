using System.Diagnostics;

namespace PinSync;

/// <summary>
/// One permit of a <see cref="PinnedSemaphore"/>, given back when disposed: <c>using (await sem.EnterAsync())</c>,
/// <c>using (sem.Enter())</c>. A struct, so that taking a permit allocates nothing.
/// </summary>
/// <remarks>
/// <para><see cref="Dispose"/> releases the permit once; disposing the same variable again does nothing. A permit has
/// no identity, so a <em>copy</em> of a lease is a second claim on it: disposing both releases twice (which throws
/// <see cref="SemaphoreFullException"/> only when the count would pass the maximum). Keep one lease per permit.</para>
/// <para>An empty lease (<see langword="default"/>, or the result of a timed enter that timed out) holds nothing, and
/// disposing it does nothing.</para>
/// <para>Thread safety: a lease may be disposed on any thread (an async continuation may end it on another one), by one
/// party.</para>
/// </remarks>
[DebuggerDisplay("Held = {Held}")]
public struct SemaphoreLease : IDisposable
{
    private PinnedSemaphore? _semaphore;

    internal SemaphoreLease(PinnedSemaphore semaphore) => _semaphore = semaphore;

    /// <summary>Whether this lease holds a permit: <see langword="false"/> for an empty lease (a timed enter that
    /// timed out) and after <see cref="Dispose"/>.</summary>
    public readonly bool Held => _semaphore is not null;

    /// <summary>Gives the permit back (<see cref="PinnedSemaphore.Release()"/>) if this lease holds one; a second call
    /// does nothing.</summary>
    /// <exception cref="SemaphoreFullException">The count would exceed the semaphore's maximum (a permit was released
    /// twice, through a copy of this lease or a stray <see cref="PinnedSemaphore.Release()"/>).</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    public void Dispose()
    {
        if (_semaphore is { } semaphore)
        {
            _semaphore = null;
            semaphore.Release();
        }
    }
}
