// Implementation notes
// ====================
//
// Layout. The slab hands out fixed-size nodes carved from chunks of NativeMemory.AlignedAlloc. A node slot is
//
//     [ payload: sizeof(T) rounded up to 8 ][ header: one nuint ]   (stride rounded up to the alignment)
//
// The payload is what Rent returns. While a node is free, the first pointer of its payload is the free-list link
// (FreeLink.Next), so the free list costs no memory of its own. The header records who owns the slot:
//   _token            the node belongs to this slab and is free;
//   _token | Rented   the node belongs to this slab and is rented out.
// _token is unique per slab (bit 0 clear), so Return catches, in every build and in O(1), a double return (header
// says free) and a node from another slab (different token). Debug builds additionally check that the address is a
// slot boundary inside one of this slab's chunks before reading the header.
//
// Locking. One System.Threading.Lock guards the free list, the chunk table, the headers and _outstanding. A rent or
// return is a handful of loads and stores under it; the payload is zeroed after the lock is released (the node is
// exclusively the renter's by then). A lock-free (Treiber) stack was rejected: it needs ABA protection (tagged
// pointers or hazard pointers) for a saving that does not matter next to the wait the node is rented for.
//
// Growth. When the free list is empty, a new chunk is allocated and all its slots pushed on the free list. Chunks
// are never freed or moved before Dispose, so a rented node's address is stable. The chunk table is a native array
// grown by doubling; steady-state Rent/Return allocate nothing, managed or native.
//
// Lifetime. Dispose frees every chunk, rented or not. There is no finalizer, for the reason PinBox gives: rented
// nodes may be linked into native structures the GC cannot see, so an undisposed slab leaks rather than frees
// memory that could still be pointed at.

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinSync.Internal;

namespace PinSync.Pinning;

/// <summary>
/// A thread-safe slab of fixed-size, zeroed nodes of <typeparamref name="T"/> at stable addresses in native memory,
/// for the many small pinned nodes of awaited waits. <see cref="Rent"/> and <see cref="Return"/> are O(1) and
/// allocation-free once the slab has grown to the peak number of nodes in use.
/// </summary>
/// <typeparam name="T">The unmanaged node type.</typeparam>
/// <remarks>
/// <para>
/// Nodes are never moved; the slab grows by whole chunks. <see cref="Rent"/> returns zeroed memory (a zeroed
/// <c>ListHead</c> is a detached node, so a rented waiter node needs no further initialization). The slab never drops
/// nodes: a renter that built something needing teardown in a node drops it before returning the node.
/// </para>
/// <para>
/// <b>Never disposed:</b> there is no finalizer; an undisposed slab leaks its chunks (see <see cref="PinBox{T}"/> for
/// why leaking pinned memory is the safe outcome).
/// </para>
/// <para>
/// <b>Thread safety.</b> <see cref="Rent"/>, <see cref="Return"/>, <see cref="Outstanding"/> and
/// <see cref="Capacity"/> may be called concurrently from any threads. <see cref="Dispose"/> is the exception: it
/// frees every node, so no thread may still use a rented node when it runs.
/// </para>
/// </remarks>
[DebuggerDisplay("Slab<{typeof(T).Name,nq}> Outstanding = {Outstanding}, Capacity = {Capacity}")]
public sealed unsafe class Slab<T> : IDisposable
    where T : unmanaged
{
    /// <summary>The alignment to ask for to give every node its own cache lines (no false sharing).</summary>
    public const int CacheLineAlignment = 64;

    private const nuint Rented = 1;
    private const int DefaultChunkBytes = 16 * 1024;

    private static long s_nextId;

    private readonly Lock _lock = new();
    private readonly nuint _token;
    private readonly nuint _headerOffset;
    private readonly nuint _stride;
    private readonly nuint _alignment;
    private readonly int _nodesPerChunk;

    /// <summary>Head of the free list, threaded through the free nodes' payloads. Only accessed under
    /// <see cref="_lock"/>.</summary>
    private FreeLink* _free;

    /// <summary>Native array of chunk addresses (<see cref="_chunkCount"/> used of <see cref="_chunkCapacity"/>).
    /// Only accessed under <see cref="_lock"/>.</summary>
    private byte** _chunks;
    private int _chunkCount;
    private int _chunkCapacity;

    /// <summary>Rented, not yet returned. Written under <see cref="_lock"/>; read without it.</summary>
    private int _outstanding;

    /// <summary>Set once, under <see cref="_lock"/>, by <see cref="Dispose"/>.</summary>
    private bool _disposed;

    /// <summary>Creates an empty slab; the first <see cref="Rent"/> allocates the first chunk.</summary>
    /// <param name="nodesPerChunk">Nodes per chunk, or 0 (the default) for about 16 KiB per chunk (at least 16 nodes).</param>
    /// <param name="alignment">Node alignment: 0 (the default) for the larger of 8 and the natural alignment of
    /// <typeparamref name="T"/>, otherwise a power of two (raised to that minimum); use
    /// <see cref="CacheLineAlignment"/> to keep nodes off each other's cache lines.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nodesPerChunk"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public Slab(int nodesPerChunk = 0, nuint alignment = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodesPerChunk);
        if (alignment != 0 && !nuint.IsPow2(alignment))
        {
            ThrowHelper.ThrowArgumentException_AlignmentNotPowerOfTwo(nameof(alignment));
        }

        _alignment = nuint.Max(nuint.Max(alignment, 8), PinBox<T>.NaturalAlignment);
        _headerOffset = AlignUp((nuint)Math.Max(sizeof(T), sizeof(FreeLink)), (nuint)sizeof(nuint));
        _stride = AlignUp(_headerOffset + (nuint)sizeof(nuint), _alignment);
        _nodesPerChunk = nodesPerChunk != 0 ? nodesPerChunk : (int)nuint.Max(16, DefaultChunkBytes / _stride);

        ulong id = (ulong)Interlocked.Increment(ref s_nextId);
        _token = (nuint)((id * 0x9E3779B97F4A7C15UL) ^ (ulong)typeof(T).TypeHandle.Value) & ~Rented;
    }

    /// <summary>Gets the exact number of nodes rented and not yet returned (exact whenever no rent or return is in
    /// flight; leak checks read it).</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Gets the number of nodes the slab has allocated so far, rented or free.</summary>
    public int Capacity
    {
        get
        {
            lock (_lock)
            {
                return _chunkCount * _nodesPerChunk;
            }
        }
    }

    /// <summary>Gets the distance in bytes between consecutive nodes of a chunk (payload, header and padding).</summary>
    public nuint NodeStride => _stride;

    /// <summary>Rents a zeroed node.</summary>
    /// <returns>The node's address, aligned as the slab was configured, stable until it is returned.</returns>
    /// <exception cref="ObjectDisposedException">The slab has been disposed.</exception>
    /// <exception cref="InsufficientMemoryException">The slab had to grow and native memory ran out.</exception>
    /// <remarks><b>Safety:</b> the caller must return the node exactly once (<see cref="Return"/>), must not use it
    /// afterwards, and must not use it after the slab is disposed.</remarks>
    public T* Rent()
    {
        FreeLink* node;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            node = _free;
            if (node == null)
            {
                node = GrowLocked();
            }

            // SAFETY: node is a free slot of ours (from the free list or a fresh chunk); its link and header are valid.
            _free = node->Next;
            *Header(node) = _token | Rented;
            _outstanding++;
        }

        // SAFETY: the node is now exclusively the caller's; clearing its payload needs no lock.
        NativeMemory.Clear(node, (nuint)sizeof(T));
        return (T*)node;
    }

    /// <summary>Returns a node rented from this slab.</summary>
    /// <param name="node">The node, as <see cref="Rent"/> returned it.</param>
    /// <exception cref="ArgumentException"><paramref name="node"/> was not rented from this slab, or was already
    /// returned (always detected when it came from a PinSync slab; any address is checked in Debug builds).</exception>
    /// <exception cref="ObjectDisposedException">The slab has been disposed.</exception>
    /// <remarks><b>Safety:</b> the caller must pass an address obtained from <see cref="Rent"/> of some slab (a wild
    /// pointer is only rejected safely in Debug builds), must have dropped whatever the node owns, and must not use
    /// the node afterwards.</remarks>
    public void Return(T* node)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ValidateOwnedLocked((byte*)node);

            // SAFETY: in Debug builds node was just checked to be a slot of ours; otherwise the caller vouches that it
            // came from a slab, whose slots all carry a header at this offset.
            nuint* header = Header(node);
            if (node == null || *header != (_token | Rented))
            {
                ThrowHelper.ThrowArgumentException_SlabNodeForeign(nameof(node));
            }

            // SAFETY: the node is ours and rented; from here it is free and its payload holds the free-list link.
            *header = _token;
            var link = (FreeLink*)node;
            link->Next = _free;
            _free = link;
            _outstanding--;
        }
    }

    /// <summary>Frees every chunk, including nodes still rented. Later calls do nothing.</summary>
    /// <remarks>Not thread-safe with respect to rented nodes: none may be in use when it runs.
    /// <see cref="Outstanding"/> keeps its last value, for leak checks.</remarks>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            for (int i = 0; i < _chunkCount; i++)
            {
                // SAFETY: each chunk came from AlignedAlloc and is freed exactly once, here.
                NativeMemory.AlignedFree(_chunks[i]);
            }

            // SAFETY: the table came from NativeMemory.Realloc (or is null) and is freed exactly once, here.
            NativeMemory.Free(_chunks);
            _chunks = null;
            _chunkCount = 0;
            _chunkCapacity = 0;
            _free = null;
        }
    }

    private static nuint AlignUp(nuint value, nuint alignment) => (value + alignment - 1) & ~(alignment - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private nuint* Header(void* node) => (nuint*)((byte*)node + _headerOffset);

    /// <summary>Allocates a chunk, pushes all its slots on the free list, and returns the free list's head.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private FreeLink* GrowLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "GrowLocked requires the slab lock.");
        Debug.Assert(_free == null, "The slab only grows when the free list is empty.");
        if (_chunkCount == _chunkCapacity)
        {
            int capacity = Math.Max(4, _chunkCapacity * 2);

            // SAFETY: _chunks is null or a block from Realloc; on success the old block is released by Realloc.
            _chunks = (byte**)NativeMemory.Realloc(_chunks, (nuint)capacity * (nuint)sizeof(byte*));
            _chunkCapacity = capacity;
        }

        byte* chunk;
        try
        {
            // SAFETY: alignment is a power of two; the chunk is recorded in _chunks and freed by Dispose.
            chunk = (byte*)NativeMemory.AlignedAlloc(_stride * (nuint)_nodesPerChunk, _alignment);
        }
        catch (OutOfMemoryException)
        {
            ThrowHelper.ThrowInsufficientMemoryException_AllocationFailed();
            throw; // Unreachable.
        }

        _chunks[_chunkCount++] = chunk;

        // Push in reverse, so that the lowest address is rented first.
        for (int i = _nodesPerChunk - 1; i >= 0; i--)
        {
            // SAFETY: i < _nodesPerChunk, so the slot lies inside the chunk just allocated.
            var link = (FreeLink*)(chunk + ((nuint)i * _stride));
            *Header(link) = _token;
            link->Next = _free;
            _free = link;
        }

        return _free;
    }

    /// <summary>Debug builds: throws unless <paramref name="node"/> is a slot boundary inside one of our chunks.</summary>
    [Conditional("DEBUG")]
    private void ValidateOwnedLocked(byte* node)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "ValidateOwnedLocked requires the slab lock.");
        nuint chunkBytes = _stride * (nuint)_nodesPerChunk;
        for (int i = 0; i < _chunkCount; i++)
        {
            byte* chunk = _chunks[i];
            if (node >= chunk && node < chunk + chunkBytes && (nuint)(node - chunk) % _stride == 0)
            {
                return;
            }
        }

        ThrowHelper.ThrowArgumentException_SlabNodeForeign(nameof(node));
    }

    /// <summary>The free-list link stored in the payload of a free node.</summary>
    private struct FreeLink
    {
        public FreeLink* Next;
    }
}
