using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using PinSync.Internal;

namespace PinSync.Pinning;

public sealed unsafe partial class PinBox<T>
{
    /// <summary>Allocates native memory and builds the value in it with an initializer that cannot fail.</summary>
    /// <typeparam name="TInit">The infallible initializer.</typeparam>
    /// <param name="init">Builds the value in place.</param>
    /// <param name="alignment">The block's alignment: 0 (the default) for <see cref="NaturalAlignment"/>, otherwise a
    /// power of two; values below <see cref="NaturalAlignment"/> are raised to it.</param>
    /// <returns>The box, owning the value.</returns>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    /// <exception cref="InsufficientMemoryException">The native memory could not be allocated.</exception>
    /// <exception cref="InvalidOperationException">The initializer broke its contract and failed.</exception>
    public static PinBox<T> Create<TInit>(TInit init, nuint alignment = 0)
        where TInit : IPinInit<T, Infallible>
    {
        if (!TryCreate(init, alignment, out PinBox<T>? box, out PinBoxError<Infallible> error))
        {
            ThrowFailure(error, infallible: true);
        }

        return box;
    }

    /// <summary>Allocates native memory and builds the value in it, throwing when either step fails.</summary>
    /// <typeparam name="TInit">The initializer.</typeparam>
    /// <typeparam name="TError">What the initializer's failure reports (name it: it cannot be inferred).</typeparam>
    /// <param name="init">Builds the value in place.</param>
    /// <param name="alignment">The block's alignment; see <see cref="Create{TInit}(TInit, nuint)"/>.</param>
    /// <returns>The box, owning the value.</returns>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    /// <exception cref="InsufficientMemoryException">The native memory could not be allocated.</exception>
    /// <exception cref="InvalidOperationException">The initializer failed; the message names its error. The memory
    /// has been freed and nothing leaked.</exception>
    public static PinBox<T> Create<TInit, TError>(TInit init, nuint alignment = 0)
        where TInit : IPinInit<T, TError>
    {
        if (!TryCreate(init, alignment, out PinBox<T>? box, out PinBoxError<TError> error))
        {
            ThrowFailure(error, infallible: false);
        }

        return box;
    }

    /// <summary>Allocates native memory and builds the value in it, reporting failure as a value.</summary>
    /// <typeparam name="TInit">The initializer.</typeparam>
    /// <typeparam name="TError">What the initializer's failure reports (inferred from <paramref name="error"/>).</typeparam>
    /// <param name="init">Builds the value in place.</param>
    /// <param name="box">On success, the box; otherwise <see langword="null"/>.</param>
    /// <param name="error">On failure, whether allocation or the initializer failed, and the initializer's error.</param>
    /// <returns><see langword="true"/> when the box was created; <see langword="false"/> otherwise, with nothing
    /// leaked (the memory is freed, and the initializer rolled back what it built).</returns>
    public static bool TryCreate<TInit, TError>(TInit init, [NotNullWhen(true)] out PinBox<T>? box, out PinBoxError<TError> error)
        where TInit : IPinInit<T, TError> => TryCreate(init, 0, out box, out error);

    /// <summary>Allocates native memory with the given alignment and builds the value in it, reporting failure as a
    /// value.</summary>
    /// <typeparam name="TInit">The initializer.</typeparam>
    /// <typeparam name="TError">What the initializer's failure reports (inferred from <paramref name="error"/>).</typeparam>
    /// <param name="init">Builds the value in place.</param>
    /// <param name="alignment">The block's alignment; see <see cref="Create{TInit}(TInit, nuint)"/>.</param>
    /// <param name="box">On success, the box; otherwise <see langword="null"/>.</param>
    /// <param name="error">On failure, whether allocation or the initializer failed, and the initializer's error.</param>
    /// <returns><see langword="true"/> when the box was created; <see langword="false"/> otherwise, with nothing
    /// leaked.</returns>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public static bool TryCreate<TInit, TError>(
        TInit init, nuint alignment, [NotNullWhen(true)] out PinBox<T>? box, out PinBoxError<TError> error)
        where TInit : IPinInit<T, TError>
    {
        alignment = NormalizeAlignment(alignment, nameof(alignment));
        box = null;
        T* p = TryAllocate(1, alignment);
        if (p == null)
        {
            error = PinBoxError<TError>.Allocation();
            return false;
        }

        bool ok = false;
        TError initError = default!;
        try
        {
            // SAFETY: p is a fresh, aligned, writable block for one T that nothing else can see.
            ok = init.TryInit(p, out initError);
        }
        finally
        {
            if (!ok)
            {
                // SAFETY: the initializer failed or threw, so (by contract) nothing in *p is live; free the block once.
                NativeMemory.AlignedFree(p);
            }
        }

        if (!ok)
        {
            error = PinBoxError<TError>.Init(initError);
            return false;
        }

        box = new PinBox<T>(p, 1, alignment);
        error = default;
        return true;
    }

    /// <summary>Allocates a run of <see cref="ArrayInit{T, TError}.Count"/> values and builds them in place,
    /// throwing on failure.</summary>
    /// <typeparam name="TError">What an element's failure reports.</typeparam>
    /// <param name="init">Builds the elements (see <see cref="PinInit.Array{T, TError}"/>).</param>
    /// <param name="alignment">The block's alignment; see <see cref="Create{TInit}(TInit, nuint)"/>.</param>
    /// <returns>The box, owning every element; <see cref="Dispose"/> drops them last first.</returns>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    /// <exception cref="InsufficientMemoryException">The native memory could not be allocated.</exception>
    /// <exception cref="InvalidOperationException">An element failed; the elements before it were dropped in reverse
    /// order and the memory freed. Also thrown for a <see langword="default"/> <paramref name="init"/>.</exception>
    public static PinBox<T> CreateArray<TError>(ArrayInit<T, TError> init, nuint alignment = 0)
    {
        if (!TryCreateArray(init, alignment, out PinBox<T>? box, out PinBoxError<TError> error))
        {
            ThrowFailure(error, infallible: false);
        }

        return box;
    }

    /// <summary>Allocates a run of values and builds them in place, reporting failure as a value.</summary>
    /// <typeparam name="TError">What an element's failure reports.</typeparam>
    /// <param name="init">Builds the elements.</param>
    /// <param name="alignment">The block's alignment; see <see cref="Create{TInit}(TInit, nuint)"/>.</param>
    /// <param name="box">On success, the box; otherwise <see langword="null"/>.</param>
    /// <param name="error">On failure, whether allocation or an element failed, and the element's error.</param>
    /// <returns><see langword="true"/> when the box was created; <see langword="false"/> otherwise, with nothing
    /// leaked.</returns>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="init"/> is a <see langword="default"/> instance.</exception>
    public static bool TryCreateArray<TError>(
        ArrayInit<T, TError> init, nuint alignment, [NotNullWhen(true)] out PinBox<T>? box, out PinBoxError<TError> error)
    {
        alignment = NormalizeAlignment(alignment, nameof(alignment));
        box = null;
        if (init.Count == 0)
        {
            ThrowHelper.ThrowInvalidOperationException_DefaultInitializer();
        }

        T* p = TryAllocate(init.Count, alignment);
        if (p == null)
        {
            error = PinBoxError<TError>.Allocation();
            return false;
        }

        bool ok = false;
        TError initError = default!;
        try
        {
            // SAFETY: p is a fresh, aligned block of Count slots that nothing else can see.
            ok = init.TryInit(p, out initError);
        }
        finally
        {
            if (!ok)
            {
                // SAFETY: the run failed or threw and rolled back every element it built; free the block once.
                NativeMemory.AlignedFree(p);
            }
        }

        if (!ok)
        {
            error = PinBoxError<TError>.Init(initError);
            return false;
        }

        box = new PinBox<T>(p, init.Count, alignment);
        error = default;
        return true;
    }

    [DoesNotReturn]
    private static void ThrowFailure<TError>(PinBoxError<TError> error, bool infallible)
    {
        if (error.AllocationFailed)
        {
            ThrowHelper.ThrowInsufficientMemoryException_AllocationFailed();
        }

        if (infallible)
        {
            ThrowHelper.ThrowInvalidOperationException_InfallibleInitializerFailed();
        }

        ThrowHelper.ThrowInvalidOperationException_InitializerFailed(error.InitError);
    }
}
