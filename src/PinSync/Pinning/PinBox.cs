// Implementation notes
// ====================
//
// Storage. A PinBox owns one block from NativeMemory.AlignedAlloc holding Length contiguous values of T (Length is 1
// except for CreateArray). The GC never sees the block, so the values never move; the box object itself may move
// freely because it only holds the pointer.
//
// Lifetime. _address (the T*) is the only state: non-null while the box is alive, null once disposed. Dispose swaps it to
// null with Interlocked.Exchange, so exactly one caller (even among racing Dispose calls) drops and frees; every
// later access sees null and throws ObjectDisposedException. Using the value while another thread disposes the box
// is a bug of the caller's, as with any IDisposable.
//
// No finalizer, on purpose. A PinBox that is never disposed LEAKS its block and never runs Drop. That is the pin
// guarantee carried over from Rust: the memory of a pinned value is not invalidated or reused until its drop has
// run. Other native structures may hold raw pointers into the box (an intrusive list linked through a ListHead
// inside it) that the GC cannot see, so a finalizer that freed the block without Drop would turn a forgotten
// Dispose (a leak) into a use-after-free (memory corruption). A finalizer that ran Drop would run teardown on the
// finalizer thread at an arbitrary time, in no defined order with the finalizers of the objects the value points
// into, without the locks Drop normally runs under. Leaking is the only safe choice, as with Rust's mem::forget.
// Not having a finalizer also keeps Create cheap (no finalization-queue registration).

using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// Owns a value of <typeparamref name="T"/> (or a run of them) in aligned native memory, built in place and never
/// moved: the C# counterpart of Rust's <c>Pin&lt;Box&lt;T&gt;&gt;</c>.
/// </summary>
/// <typeparam name="T">The unmanaged type of the value.</typeparam>
/// <remarks>
/// <para>
/// Create one with <see cref="Create{TInit}(TInit, nuint)"/> or <see cref="TryCreate{TInit, TError}(TInit,
/// out PinBox{T}, out PinBoxError{TError})"/>: the memory is allocated first and the initializer builds the value
/// directly in it, so even a very large <typeparamref name="T"/> never exists on the stack and is never copied.
/// <see cref="Dispose"/> drops the value (<see cref="IPinnedDrop.Drop"/>, if <typeparamref name="T"/> has one; for a
/// run, the last element first) and then frees the memory.
/// </para>
/// <para>
/// <b>Never disposed:</b> there is no finalizer. A box that is not disposed leaks its native memory and its value is
/// never dropped. Freeing pinned memory whose drop has not run could leave dangling pointers in other native
/// structures that the garbage collector cannot see, so a leak is the safe outcome (see the implementation notes).
/// </para>
/// <para>
/// <b>Thread safety.</b> <see cref="Pointer"/>, <see cref="Value"/> and the other members may be used from any
/// thread; the value itself has whatever thread safety its type gives it. <see cref="Dispose"/> is the exception:
/// it is safe to call more than once and from racing threads (only one drops and frees), but no thread may still
/// use the value while or after it runs.
/// </para>
/// </remarks>
[DebuggerDisplay("PinBox<{typeof(T).Name,nq}> Length = {Length}, Disposed = {IsDisposed}")]
public sealed unsafe partial class PinBox<T> : IDisposable
    where T : unmanaged
{
    /// <summary>The block's address (a T*): non-zero while alive, zero once disposed. The only state; it is cleared
    /// once, atomically, by <see cref="Dispose"/>. Kept as <see cref="nint"/> so that it can be exchanged in place.</summary>
    private nint _address;

    private PinBox(T* pointer, int length, nuint alignment)
    {
        _address = (nint)pointer;
        Length = length;
        Alignment = alignment;
    }

    /// <summary>Gets the natural alignment of <typeparamref name="T"/> (its alignment inside a struct).</summary>
    public static nuint NaturalAlignment { get; } = (nuint)sizeof(AlignmentProbe) - (nuint)sizeof(T);

    /// <summary>Gets the address of the value (of element 0 for a run). It never changes while the box is alive.</summary>
    /// <exception cref="ObjectDisposedException">The box has been disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must not use the pointer after <see cref="Dispose"/>, must not move the
    /// value out of it, and must not drop or free it (the box does).</remarks>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The contract (DESIGN.md §1) names it Pointer.")]
    public T* Pointer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            T* p = (T*)_address;
            if (p == null)
            {
                ThrowHelper.ThrowObjectDisposedException(this);
            }

            return p;
        }
    }

    /// <summary>Gets a reference to the value (to element 0 for a run).</summary>
    /// <exception cref="ObjectDisposedException">The box has been disposed.</exception>
    /// <remarks>Read and write through it freely, but do not copy a self-referential value out and back in.</remarks>
    public ref T Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            // SAFETY: Pointer throws once disposed; otherwise it addresses a live, initialized value.
            return ref *Pointer;
        }
    }

    /// <summary>Gets the number of values in the box: 1, or the count passed to <c>CreateArray</c>.</summary>
    public int Length { get; }

    /// <summary>Gets the alignment of the block, a power of two at least <see cref="NaturalAlignment"/>.</summary>
    public nuint Alignment { get; }

    /// <summary>Gets a value indicating whether the box has been disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _address) == 0;

    /// <summary>Gets a span over the values (one element, or the run made by <c>CreateArray</c>).</summary>
    /// <returns>A span over the native block; it is valid until the box is disposed.</returns>
    /// <exception cref="ObjectDisposedException">The box has been disposed.</exception>
    public Span<T> AsSpan()
    {
        // SAFETY: Pointer throws once disposed; the block holds Length initialized values.
        return new Span<T>(Pointer, Length);
    }

    /// <summary>Drops the value (the last element of a run first) and frees the memory. Later calls do nothing.</summary>
    /// <remarks>Thread-safe against other <see cref="Dispose"/> calls, but not against other uses of the value.</remarks>
    public void Dispose()
    {
        // SAFETY: the exchange makes exactly one caller the owner of the block; every later caller reads zero.
        T* p = (T*)Interlocked.Exchange(ref _address, 0);
        if (p == null)
        {
            return;
        }

        try
        {
            // SAFETY: the block holds Length initialized values that nobody dropped; this is the one drop.
            PinDrop.DropRange(p, Length);
        }
        finally
        {
            // SAFETY: the block came from AlignedAlloc and is freed once (we won the exchange).
            NativeMemory.AlignedFree(p);
        }
    }

    /// <summary>Checks and normalizes a requested alignment: 0 means natural; smaller values are raised to it.</summary>
    private static nuint NormalizeAlignment(nuint alignment, string paramName)
    {
        if (alignment == 0)
        {
            return NaturalAlignment;
        }

        if (!nuint.IsPow2(alignment))
        {
            ThrowHelper.ThrowArgumentException_AlignmentNotPowerOfTwo(paramName);
        }

        return nuint.Max(alignment, NaturalAlignment);
    }

    /// <summary>Allocates room for <paramref name="length"/> values; null when the runtime cannot provide it.</summary>
    private static T* TryAllocate(int length, nuint alignment)
    {
        ulong bytes = (ulong)(uint)length * (ulong)sizeof(T);
        if (bytes == 0 || bytes > nuint.MaxValue / 2)
        {
            return null;
        }

        try
        {
            // SAFETY: alignment is a power of two; the block is owned by the box about to be created, or freed.
            return (T*)NativeMemory.AlignedAlloc((nuint)bytes, alignment);
        }
        catch (OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>A T after one byte: its size minus sizeof(T) is T's alignment inside a struct.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct AlignmentProbe
    {
#pragma warning disable CS0169, IDE0051 // Never read: the fields exist only for their layout.
        private byte _pad;
        private T _value;
#pragma warning restore CS0169, IDE0051
    }
}
