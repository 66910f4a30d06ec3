using System.Diagnostics;
using System.Runtime.CompilerServices;
using PinSync.Internal;

namespace PinSync;

/// <summary>
/// Proof of one acquisition of a <see cref="PinnedMutex{T}"/>: access to the protected value while it lasts, and the
/// release when disposed. A struct, so that taking the lock allocates nothing, and not a ref struct, so that it can
/// cross an <see langword="await"/>.
/// </summary>
/// <typeparam name="T">The type of the protected value.</typeparam>
/// <remarks>
/// <para>A guard carries the identity of its acquisition. <see cref="Dispose"/> releases once; disposing the same
/// guard (or a copy of it) again does nothing while the mutex has not been taken again. A stale copy used after the
/// mutex was taken again by someone else throws <see cref="SynchronizationLockException"/> and releases nothing.</para>
/// <para>A guard stays valid across <c>CondVar.Wait</c> and its
/// async and timed forms: the lock is released and taken again under the same guard.</para>
/// <para>Thread safety: a guard may be used from any thread (an async continuation may release it on another thread),
/// but by one party at a time.</para>
/// </remarks>
[DebuggerDisplay("Acquired = {Acquired}")]
public struct MutexGuard<T> : IDisposable
{
    private PinnedMutex<T>? _mutex;
    private readonly uint _token;

    internal MutexGuard(PinnedMutex<T> mutex, uint token)
    {
        _mutex = mutex;
        _token = token;
    }

    /// <summary>Whether this guard holds the lock: <see langword="false"/> for a timed acquisition that timed out and
    /// after <see cref="Dispose"/>.</summary>
    public readonly bool Acquired => _mutex is { } mutex && mutex.IsCurrentToken(_token);

    /// <summary>The protected value.</summary>
    /// <exception cref="SynchronizationLockException">The guard does not hold the lock (not acquired, disposed, or a
    /// stale copy of an earlier acquisition).</exception>
    public readonly ref T Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var mutex = _mutex;
            if (mutex is null || !mutex.IsCurrentToken(_token))
            {
                ThrowHelper.ThrowSynchronizationLockException_LockNotHeld();
            }

            return ref mutex.ValueRef;
        }
    }

    /// <summary>The mutex this guard was acquired from, or <see langword="null"/> for an empty guard.</summary>
    internal readonly PinnedMutex<T>? Mutex => _mutex;

    /// <summary>The acquisition this guard stands for.</summary>
    internal readonly uint Token => _token;

    /// <summary>Releases the lock if this guard holds it. A second call does nothing.</summary>
    /// <exception cref="SynchronizationLockException">This is a stale copy and the mutex has been taken again since;
    /// nothing is released.</exception>
    /// <exception cref="ObjectDisposedException">The mutex was disposed and this guard no longer holds it.</exception>
    public void Dispose()
    {
        if (_mutex is { } mutex)
        {
            _mutex = null;
            mutex.ReleaseFromGuard(_token);
        }
    }
}
