// Implementation notes
// ====================
//
// The bridge. Dropping a T in place means a *constrained* call of IPinnedDrop.Drop on the value at its final
// address: `constrained. T callvirt IPinnedDrop::Drop`. C# emits that only when T is statically constrained to
// IPinnedDrop, and the storage types (PinBox<T>, the slab, the array and struct initializers) are generic over any
// unmanaged T. The obvious `((IPinnedDrop)value).Drop()` boxes a *copy* and drops the copy, at the wrong address
// (a ListHead that unlinks itself would unlink the copy), so it is not an option.
//
// So the decision "does T need a drop?" is a per-T constant (DropCache<T>.IsRequired, a static readonly bool the
// tiered JIT folds), and the call itself goes through a per-T function pointer to DropPinnedThunk<T>, which *is*
// constrained. The pointer is filled in one of two ways:
//   - PinDrop.Register<T>() (T : IPinnedDrop statically): `&DropPinnedThunk<T>`, no reflection; works everywhere,
//     NativeAOT included. The [PinData] source generator will emit it from a module initializer.
//   - otherwise, on first use, by MakeGenericMethod; guarded by RuntimeFeature.IsDynamicCodeSupported. Without
//     dynamic code (NativeAOT) an unregistered droppable type fails loudly (NotSupportedException naming the fix)
//     instead of silently skipping its teardown.
//
// Why not `default(T) is IPinnedDrop`: the JIT folds it in optimized code, but unoptimized (tier-0, debug) code
// materializes default(T) on the stack, and a 1 MiB T would then overflow a small thread stack, which is exactly
// what in-place construction promises not to do.

using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// Drops pinned values in place: calls <see cref="IPinnedDrop.Drop"/> at the value's address when its type
/// implements <see cref="IPinnedDrop"/>, and does nothing otherwise.
/// </summary>
/// <remarks>
/// <para>
/// The calls are constrained (no boxing, no copy): <see cref="IPinnedDrop.Drop"/> runs on the value itself, at its
/// final address. For a type that does not implement <see cref="IPinnedDrop"/> every method here is a no-op the JIT
/// removes.
/// </para>
/// <para>
/// <b>NativeAOT.</b> The first drop of a droppable type through a generic type parameter resolves the call with
/// reflection. Where dynamic code is not supported, call <see cref="Register{T}"/> once for each droppable type
/// (the <c>[PinData]</c> source generator does this); an unregistered droppable type then throws
/// <see cref="NotSupportedException"/> instead of leaking its teardown silently.
/// </para>
/// <para><b>Thread safety.</b> All members are thread-safe; dropping one value twice is the caller's bug.</para>
/// </remarks>
public static unsafe partial class PinDrop
{
    /// <summary>Tells whether values of <typeparamref name="T"/> need a drop (implement <see cref="IPinnedDrop"/>).</summary>
    /// <typeparam name="T">The unmanaged type.</typeparam>
    /// <returns><see langword="true"/> when <typeparamref name="T"/> implements <see cref="IPinnedDrop"/>.</returns>
    public static bool IsRequired<T>()
        where T : unmanaged => DropCache<T>.IsRequired;

    /// <summary>Drops the value at <paramref name="value"/> in place if its type needs a drop.</summary>
    /// <typeparam name="T">The unmanaged type.</typeparam>
    /// <param name="value">The address of an initialized value.</param>
    /// <exception cref="NotSupportedException">
    /// <typeparamref name="T"/> implements <see cref="IPinnedDrop"/>, dynamic code is not supported (NativeAOT) and
    /// <see cref="Register{T}"/> was not called for it.
    /// </exception>
    /// <remarks><b>Safety:</b> the caller must pass the address of an initialized value that was not dropped yet,
    /// and must not use the value afterwards except to free or re-initialize its memory.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Drop<T>(T* value)
        where T : unmanaged
    {
        if (DropCache<T>.IsRequired)
        {
            // SAFETY: the caller guarantees an initialized, not yet dropped value; the thunk drops it in place.
            DropCache<T>.Invoke(value);
        }
    }

    /// <summary>Drops <paramref name="count"/> contiguous values in reverse order (last first).</summary>
    /// <typeparam name="T">The unmanaged type.</typeparam>
    /// <param name="first">The address of the first value.</param>
    /// <param name="count">How many values to drop; zero drops nothing.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="NotSupportedException">See <see cref="Drop{T}(T*)"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a run of <paramref name="count"/> initialized, not yet dropped
    /// values starting at <paramref name="first"/>.</remarks>
    public static void DropRange<T>(T* first, int count)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!DropCache<T>.IsRequired)
        {
            return;
        }

        for (int i = count - 1; i >= 0; i--)
        {
            // SAFETY: i < count, so first + i is inside the caller's run of initialized values.
            DropCache<T>.Invoke(first + i);
        }
    }

    /// <summary>Drops the value at <paramref name="value"/> in place, for a type statically known to need it.</summary>
    /// <typeparam name="T">The unmanaged type with teardown.</typeparam>
    /// <param name="value">The address of an initialized value.</param>
    /// <remarks><b>Safety:</b> the caller must pass the address of an initialized value that was not dropped yet.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DropPinned<T>(T* value)
        where T : unmanaged, IPinnedDrop
    {
        // SAFETY: the caller guarantees an initialized, not yet dropped value; a constrained call drops it in place.
        value->Drop();
    }

    /// <summary>
    /// Registers <typeparamref name="T"/> so that <see cref="Drop{T}(T*)"/> reaches its <see cref="IPinnedDrop.Drop"/>
    /// without reflection (required under NativeAOT, harmless elsewhere; calling it more than once is fine).
    /// </summary>
    /// <typeparam name="T">The unmanaged type with teardown.</typeparam>
    public static void Register<T>()
        where T : unmanaged, IPinnedDrop => DropCache<T>.Set(&DropPinnedThunk<T>);

    private static void DropPinnedThunk<T>(T* value)
        where T : unmanaged, IPinnedDrop
    {
        // SAFETY: forwarded from Drop<T>, whose caller guarantees an initialized, not yet dropped value.
        value->Drop();
    }

    [UnconditionalSuppressMessage("Trimming", "IL2060",
        Justification = "DropPinnedThunk<T> has no trimming requirements on T; T is a live type in the caller.")]
    private static delegate*<T*, void> ResolveThunk<T>()
        where T : unmanaged
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            ThrowHelper.ThrowNotSupportedException_DropNotRegistered(typeof(T));
        }

        MethodInfo open = typeof(PinDrop).GetMethod(nameof(DropPinnedThunk), BindingFlags.NonPublic | BindingFlags.Static)!;
        nint code = open.MakeGenericMethod(typeof(T)).MethodHandle.GetFunctionPointer();

        // SAFETY: code is the entry point of DropPinnedThunk<T>, whose signature is exactly void(T*).
        return (delegate*<T*, void>)code;
    }
}
