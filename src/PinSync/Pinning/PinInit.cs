using System.Runtime.CompilerServices;
using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// Factories and combinators for in-place initializers (<see cref="IPinInit{T, TError}"/>), the counterpart of the
/// helpers of Rust's pin-init crate.
/// </summary>
/// <remarks>
/// <para>
/// Every factory returns a struct, and every combinator takes its inner initializers as generic type parameters
/// (<see cref="ChainInit{T, TError, TInner}"/>, <see cref="FieldInit{T, TError, TPrev, TField, TFieldInit}"/>), so a
/// composed initializer is one flat value and runs without boxing or interface dispatch. The only allocations are
/// the delegates some factories take (<see cref="FromClosure{T, TError}"/>, <see cref="Chain{T, TError, TInit}"/>,
/// <see cref="Array{T, TError}"/>), made once when the delegate is created.
/// </para>
/// <para>
/// C# infers a generic argument only from a parameter, not from a constraint: where an error type cannot be seen in
/// the arguments, name the type arguments, or use a <c>Try</c> form whose <c>out</c> error parameter lets the
/// compiler infer them.
/// </para>
/// <para><b>Thread safety.</b> All members are thread-safe; a slot must be initialized by one thread at a time.</para>
/// </remarks>
public static unsafe partial class PinInit
{
    /// <summary>Makes an initializer that fills the value with zero bytes, in place.</summary>
    /// <typeparam name="T">The unmanaged type to build.</typeparam>
    /// <returns>An infallible initializer.</returns>
    public static ZeroedInit<T> Zeroed<T>()
        where T : unmanaged => default;

    /// <summary>Makes an initializer that writes a copy of <paramref name="value"/> (plain data only: it is built
    /// before it reaches its slot).</summary>
    /// <typeparam name="T">The unmanaged type to build.</typeparam>
    /// <param name="value">The value to write.</param>
    /// <returns>An infallible initializer.</returns>
    public static ValueInit<T> Value<T>(T value)
        where T : unmanaged => new(value);

    /// <summary>Makes an initializer from hand-written code, the unsafe escape hatch (pin-init's
    /// <c>pin_init_from_closure</c>).</summary>
    /// <typeparam name="T">The unmanaged type to build.</typeparam>
    /// <typeparam name="TError">What a failure reports.</typeparam>
    /// <param name="closure">The initialization code.</param>
    /// <returns>An initializer that runs <paramref name="closure"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="closure"/> is <see langword="null"/>.</exception>
    /// <remarks><b>Safety:</b> the caller must supply a closure that keeps the <see cref="IPinInit{T, TError}"/>
    /// contract: on success <c>*slot</c> is a valid value; on failure everything it built is dropped again; it never
    /// moves the value. Nothing checks this.</remarks>
    public static ClosureInit<T, TError> FromClosure<T, TError>(PinInitClosure<T, TError> closure)
        where T : unmanaged => new(closure);

    /// <summary>Makes an initializer that always fails with <paramref name="error"/> and writes nothing.</summary>
    /// <typeparam name="T">The unmanaged type it pretends to build.</typeparam>
    /// <typeparam name="TError">What the failure reports.</typeparam>
    /// <param name="error">The error to report.</param>
    /// <returns>A failing initializer.</returns>
    public static FailInit<T, TError> Fail<T, TError>(TError error)
        where T : unmanaged => new(error);

    /// <summary>Presents an infallible initializer as one with error type <typeparamref name="TError"/>.</summary>
    /// <typeparam name="T">The unmanaged type to build.</typeparam>
    /// <typeparam name="TError">The error type to present.</typeparam>
    /// <typeparam name="TInit">The infallible initializer.</typeparam>
    /// <param name="init">The infallible initializer.</param>
    /// <returns>The same initializer with a wider error type.</returns>
    public static WidenErrorInit<T, TError, TInit> WithError<T, TError, TInit>(TInit init)
        where T : unmanaged
        where TInit : IPinInit<T, Infallible> => new(init);

    /// <summary>Runs <paramref name="action"/> on the value once <paramref name="init"/> has built it; if the action
    /// fails (or throws), the value is dropped and the failure reported.</summary>
    /// <typeparam name="T">The unmanaged type to build.</typeparam>
    /// <typeparam name="TError">What a failure reports.</typeparam>
    /// <typeparam name="TInit">The initializer that builds the value.</typeparam>
    /// <param name="init">Builds the value.</param>
    /// <param name="action">Runs on the pinned value; give its parameter types explicitly so the compiler can infer
    /// <typeparamref name="T"/> and <typeparamref name="TError"/>: <c>(Foo* p, out MyError e) =&gt; …</c>.</param>
    /// <returns>The combined initializer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public static ChainInit<T, TError, TInit> Chain<T, TError, TInit>(this TInit init, PinChainAction<T, TError> action)
        where T : unmanaged
        where TInit : IPinInit<T, TError> => new(init, action);

    /// <summary>Starts an initializer for a struct built field by field (see <see cref="StructInit{T, TError}"/>);
    /// when a field fails, the fields built before it are dropped in reverse order.</summary>
    /// <typeparam name="T">The struct to build.</typeparam>
    /// <typeparam name="TError">What a failure of any field reports.</typeparam>
    /// <param name="zeroFirst">Whether to zero the struct first, so that fields no initializer names are zero (the
    /// default); pass <see langword="false"/> only when every byte is covered by a field initializer.</param>
    /// <returns>The start of the chain; add fields with <c>Field</c> and <c>InfallibleField</c>.</returns>
    public static StructInit<T, TError> Struct<T, TError>(bool zeroFirst = true)
        where T : unmanaged => new(zeroFirst);

    /// <summary>Builds a value in a slot the caller owns, with an initializer that cannot fail.</summary>
    /// <typeparam name="T">The unmanaged type to build.</typeparam>
    /// <typeparam name="TInit">The infallible initializer.</typeparam>
    /// <param name="slot">A slot that does not move: an unmanaged stack local, a field of a pinned struct.</param>
    /// <param name="init">Builds the value.</param>
    /// <exception cref="InvalidOperationException">The initializer broke its contract and failed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass a valid, aligned, writable slot that stays put until the value is
    /// dropped, and must drop it (<see cref="PinDrop.Drop{T}(T*)"/>) exactly once before the slot goes away (for a
    /// stack local: before the method returns, on every path).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InPlace<T, TInit>(T* slot, TInit init)
        where T : unmanaged
        where TInit : IPinInit<T, Infallible>
    {
        // SAFETY: forwarded contract.
        if (!init.TryInit(slot, out _))
        {
            ThrowHelper.ThrowInvalidOperationException_InfallibleInitializerFailed();
        }
    }

    /// <summary>Builds a value in a slot the caller owns, throwing when the initializer fails.</summary>
    /// <typeparam name="T">The unmanaged type to build.</typeparam>
    /// <typeparam name="TError">What a failure reports (name it: it cannot be inferred).</typeparam>
    /// <typeparam name="TInit">The initializer.</typeparam>
    /// <param name="slot">A slot that does not move.</param>
    /// <param name="init">Builds the value.</param>
    /// <exception cref="InvalidOperationException">The initializer failed; the message names its error, and nothing in
    /// <paramref name="slot"/> needs cleaning up.</exception>
    /// <remarks><b>Safety:</b> as for <see cref="InPlace{T, TInit}(T*, TInit)"/>.</remarks>
    public static void InPlace<T, TError, TInit>(T* slot, TInit init)
        where T : unmanaged
        where TInit : IPinInit<T, TError>
    {
        // SAFETY: forwarded contract.
        if (!init.TryInit(slot, out TError error))
        {
            ThrowHelper.ThrowInvalidOperationException_InitializerFailed(error);
        }
    }

    /// <summary>Builds a value in a slot the caller owns and reports failure as a value, never an exception of its own.</summary>
    /// <typeparam name="T">The unmanaged type to build.</typeparam>
    /// <typeparam name="TError">What a failure reports (inferred from <paramref name="error"/>).</typeparam>
    /// <typeparam name="TInit">The initializer.</typeparam>
    /// <param name="slot">A slot that does not move.</param>
    /// <param name="init">Builds the value.</param>
    /// <param name="error">On failure, the initializer's error.</param>
    /// <returns><see langword="true"/> when <c>*slot</c> holds a valid value; <see langword="false"/> when it does
    /// not and nothing in it needs cleaning up.</returns>
    /// <remarks><b>Safety:</b> as for <see cref="InPlace{T, TInit}(T*, TInit)"/>, when it returns
    /// <see langword="true"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryInPlace<T, TError, TInit>(T* slot, TInit init, out TError error)
        where T : unmanaged
        where TInit : IPinInit<T, TError>
    {
        // SAFETY: forwarded contract.
        return init.TryInit(slot, out error);
    }
}
