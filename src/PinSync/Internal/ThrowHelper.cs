using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace PinSync.Internal;

/// <summary>
/// Cold throw paths, kept out of generic and hot methods so that they stay small and inlinable
/// (model: dotnet/runtime <c>ThrowHelper</c>). Names follow <c>Throw{Exception}_{Reason}</c>.
/// </summary>
[StackTraceHidden]
internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowSynchronizationLockException_LockNotHeld() => throw new SynchronizationLockException(SR.LockNotHeld);

    [DoesNotReturn]
    internal static void ThrowSynchronizationLockException_StaleGuard() => throw new SynchronizationLockException(SR.StaleGuard);

    [DoesNotReturn]
    internal static void ThrowSynchronizationLockException_CondVarWaitWithoutLock() =>
        throw new SynchronizationLockException(SR.CondVarWaitWithoutLock);

    [DoesNotReturn]
    internal static void ThrowLockRecursionException() => throw new LockRecursionException(SR.LockRecursion);

    [DoesNotReturn]
    internal static void ThrowSemaphoreFullException() => throw new SemaphoreFullException(SR.SemaphoreFull);

    [DoesNotReturn]
    internal static void ThrowArgumentOutOfRangeException_Timeout(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, SR.TimeoutOutOfRange);

    [DoesNotReturn]
    internal static void ThrowArgumentOutOfRangeException_InitialCount(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, SR.InitialCountOutOfRange);

    [DoesNotReturn]
    internal static void ThrowArgumentException_AlignmentNotPowerOfTwo(string paramName) =>
        throw new ArgumentException(SR.AlignmentNotPowerOfTwo, paramName);

    [DoesNotReturn]
    internal static void ThrowArgumentException_SlabNodeForeign(string paramName) =>
        throw new ArgumentException(SR.SlabNodeForeign, paramName);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_NodeAlreadyLinked() => throw new InvalidOperationException(SR.NodeAlreadyLinked);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_ControlNotEnabled() => throw new InvalidOperationException(SR.ControlNotEnabled);

    [DoesNotReturn]
    internal static void ThrowInsufficientMemoryException_AllocationFailed() => throw new InsufficientMemoryException(SR.AllocationFailed);

    [DoesNotReturn]
    internal static void ThrowObjectDisposedException(object instance) => throw new ObjectDisposedException(instance.GetType().FullName);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_InitializerFailed(object? error) =>
        throw new InvalidOperationException(SR.InitializerFailed + error);

    [DoesNotReturn]
    internal static void ThrowArgumentException_ListFieldOutsideOwner(string paramName) =>
        throw new ArgumentException(SR.ListFieldOutsideOwner, paramName);

    [DoesNotReturn]
    internal static void ThrowNotSupportedException_DropNotRegistered(Type type) =>
        throw new NotSupportedException(SR.DropNotRegistered + type);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_InfallibleInitializerFailed() =>
        throw new InvalidOperationException(SR.InfallibleInitializerFailed);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_DefaultInitializer() =>
        throw new InvalidOperationException(SR.DefaultInitializer);

    [DoesNotReturn]
    internal static void ThrowObjectDisposedException_Mutex() => throw new ObjectDisposedException(SR.MutexName);

    [DoesNotReturn]
    internal static void ThrowObjectDisposedException_Named(string name) => throw new ObjectDisposedException(name);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_FieldOutsideStruct() =>
        throw new InvalidOperationException(SR.FieldOutsideStruct);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_StaleValueTask() => throw new InvalidOperationException(SR.StaleValueTask);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_PendingValueTask() => throw new InvalidOperationException(SR.PendingValueTask);
}
