using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PinSync;

/// <summary>
/// Pinned storage for the raw struct of a managed façade: a byte array on the pinned object heap, so the struct
/// never moves and its memory lives exactly as long as the façade (and every waiter that references the façade)
/// — no finalizer, no native free to get wrong. The struct is aligned to a cache line so that two primitives never
/// share one.
/// </summary>
internal static unsafe class PinnedStorage
{
    private const int CacheLine = 64;

    /// <summary>Allocates zeroed, cache-line aligned pinned storage for one <typeparamref name="T"/>.</summary>
    /// <param name="owner">The array that owns the memory; keep it referenced for as long as the pointer is used.</param>
    /// <returns>The address of the slot, valid while <paramref name="owner"/> is reachable.</returns>
    internal static T* Allocate<T>(out byte[] owner)
        where T : unmanaged
    {
        owner = GC.AllocateArray<byte>(sizeof(T) + CacheLine, pinned: true);

        // SAFETY: the array is on the pinned object heap, so its data never moves; the slot lies inside the array
        // (CacheLine spare bytes cover the alignment adjustment).
        var start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(owner));
        var aligned = (start + (CacheLine - 1)) & ~(nint)(CacheLine - 1);
        return (T*)aligned;
    }
}
