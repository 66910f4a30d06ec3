// Implementation notes
// ====================
//
// Layout. A ListHead is two pointers, Next then Prev (sequential layout, 16 bytes on 64-bit). The same struct
// plays two roles. A *head* is the anchor of a list; it lives inside its owner (a lock, a wait queue) and is
// never itself an element. A *node* is embedded in an element (a waiter on a thread's stack, a pooled async
// waiter in native memory); the element is recovered from the node with ContainerOf.
//
// Invariants (all of them hold whenever the owner's lock is not held by someone in the middle of an operation):
//   1. An initialized head h is either empty (h->Next == h && h->Prev == h) or, for every element n of its list,
//      n->Next->Prev == n and n->Prev->Next == n, and following Next from h comes back to h after visiting each
//      element exactly once.
//   2. A detached node has Next == null && Prev == null. A node is never half-linked (exactly one of the two null).
//   3. A node is in at most one list at a time, and stays at the same address from AddTail/AddHead until Remove
//      or PopFirst takes it out. Its memory (a stack frame, a native block, a slab slot) must not go away while
//      it is linked: the owner unlinks it first, on every path, in exactly one place (the waiter scope's finally).
//
// Why circular. With the head inside the ring, every element has a non-null predecessor and successor, so
// insertion and removal are four pointer writes with no branch for "first", "last" or "only" element, and
// removal needs only the node itself, not the head. That is what lets a timed-out or cancelled waiter unlink
// itself in O(1) without searching the queue (the Linux kernel's list_head, tokio's util/linked_list.rs).
// The price is that a head must point at itself before first use, so it has to be built in place (Init, or the
// InitListHead initializer) and must never move afterwards: hence [Pinned].
//
// Why null for detached (and not "points at itself", as the Linux kernel's list_del_init does). Nodes come from
// zeroed memory (slab slots, NativeMemory.AllocZeroed, `default` locals), so with null meaning "detached" a fresh
// node needs no initialization at all, and zeroed memory is never mistaken for a linked node. It also gives
// Remove an unambiguous, cheap "was I still linked?" answer: a waiter and the thread that wakes it may both try to
// take it out of the queue, and whichever call returns true owns the completion; the other one is a quiet no-op.
// A head is therefore the only ListHead that points at itself, and a zeroed head is NOT an empty list.
//
// No locking. Nothing here is atomic or synchronized. Every list, and every node while it is linked, may only be
// accessed while the owner's lock is held; these methods are the bodies of critical sections, not critical
// sections themselves.

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinSync.Internal;
using PinSync.Pinning;

namespace PinSync.Intrusive;

/// <summary>
/// A link of an intrusive, circular, doubly-linked list of unmanaged nodes at stable addresses: either the head
/// (anchor) of a list or a node embedded in an element of one.
/// </summary>
/// <remarks>
/// <para>
/// <b>Detached-node convention.</b> A <i>node</i> that is not in any list has <see cref="Next"/> ==
/// <see langword="null"/> and <see cref="Prev"/> == <see langword="null"/>; zeroed memory is therefore a valid
/// detached node, and slab nodes, <see cref="NativeMemory.AllocZeroed(nuint)"/> blocks and <see langword="default"/>
/// locals need no initialization. A <i>head</i> (the anchor inside a lock or queue) is initialized in place to point
/// at itself (<see cref="Init"/> or <see cref="Initializer"/>), and an empty list is a head whose
/// <see cref="Next"/> and <see cref="Prev"/> both point at the head itself. A zeroed head is not an empty list; it
/// must be initialized before use. <see cref="Remove"/> and <see cref="PopFirst"/> put a node back into the detached
/// state, so a removed node can be linked again.
/// </para>
/// <para>
/// <b>Thread safety.</b> None: the list does no locking and no atomic operations. A list, and every node while it
/// is linked, may only be accessed while the owner's lock is held. A detached node belongs to whoever owns its
/// memory.
/// </para>
/// <para>
/// <b>Pinning.</b> Heads and linked nodes are pointed at from elsewhere, so they must stay at one address: a
/// <c>PinBox&lt;T&gt;</c>, a slab slot, native memory, an unmanaged stack local, or a field of another pinned
/// struct. A node must be unlinked before the memory it lives in goes away (for a stack node, before its frame
/// returns, on every path including exceptions).
/// </para>
/// <para>
/// Misuse that is cheap to detect is an exception in every build: linking a node that is not detached throws
/// <see cref="InvalidOperationException"/> (one load and compare of memory about to be written anyway). Structural
/// corruption (a half-linked node, broken back links, an uninitialized head) is only checked by
/// <see cref="Debug.Assert(bool, string)"/> in Debug builds.
/// </para>
/// </remarks>
[Pinned]
[StructLayout(LayoutKind.Sequential)]
[DebuggerDisplay("{ToString(),nq}")]
public unsafe partial struct ListHead
{
    /// <summary>
    /// The next link in the ring (the first element, for a head); <see langword="null"/> for a detached node.
    /// May only be accessed while the owner's lock is held.
    /// </summary>
    public ListHead* Next;

    /// <summary>
    /// The previous link in the ring (the last element, for a head); <see langword="null"/> for a detached node.
    /// May only be accessed while the owner's lock is held.
    /// </summary>
    public ListHead* Prev;

    /// <summary>Makes <paramref name="head"/> an empty list: <c>head-&gt;Next = head-&gt;Prev = head</c>.</summary>
    /// <param name="head">The head to initialize, at its final address. Its previous contents are ignored.</param>
    /// <remarks><b>Safety:</b> the caller must pass a valid, writable, aligned pointer at the head's final address,
    /// must not move the head afterwards, and must not re-initialize a head that still has elements linked (they
    /// would keep pointing at it).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Init(ListHead* head)
    {
        Debug.Assert(head != null, "head is null");

        // SAFETY: the caller passes a valid, writable head at its final address, so a self-pointer stays valid.
        head->Next = head;
        head->Prev = head;
    }

    /// <summary>An in-place initializer that makes the slot an empty list (see <see cref="Init"/>). It never fails.</summary>
    /// <returns>An initializer that can be used any number of times.</returns>
    public static InitListHead Initializer() => default;

    /// <summary>Whether the list anchored at <paramref name="head"/> has no elements.</summary>
    /// <param name="head">An initialized head.</param>
    /// <returns><see langword="true"/> when the head points at itself, that is when the list is empty.</returns>
    /// <remarks><b>Safety:</b> the caller must pass an initialized head at a stable address and hold the list's
    /// lock.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsEmpty(ListHead* head)
    {
        AssertHead(head);

        // SAFETY: the head is valid and the caller holds the list's lock, so reading its links is race-free.
        return head->Next == head;
    }

    /// <summary>Whether <paramref name="node"/> is currently in a list.</summary>
    /// <param name="node">A node (detached or linked), not a head.</param>
    /// <returns><see langword="true"/> when <c>node-&gt;Next</c> is not <see langword="null"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid node and, if the node may be linked, hold the lock of
    /// the list it may be in.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLinked(ListHead* node)
    {
        Debug.Assert(node != null, "node is null");

        // SAFETY: the node is valid and, if linked, its list's lock is held, so its links are stable while read.
        Debug.Assert((node->Next == null) == (node->Prev == null), "node is half-linked (exactly one link is null)");
        return node->Next != null;
    }

    /// <summary>Links <paramref name="node"/> at the end of the list anchored at <paramref name="head"/>.</summary>
    /// <param name="head">An initialized head.</param>
    /// <param name="node">A detached node (both links <see langword="null"/>), not a head.</param>
    /// <exception cref="InvalidOperationException"><paramref name="node"/> is not detached (it is in a list, it is
    /// an initialized head, or it is half-linked). Checked in every build; the list is left unchanged.</exception>
    /// <remarks><b>Safety:</b> the caller must hold the list's lock, pass an initialized head, and keep the node at
    /// the same address, alive, and untouched by anything but this list's operations until it is removed.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddTail(ListHead* head, ListHead* node)
    {
        AssertHead(head);
        ThrowIfNotDetached(node);

        // SAFETY: lock held and head initialized, so head->Prev is the valid last link (or head itself);
        // the node is detached and stays put until removed (caller's obligation).
        InsertBetween(node, head->Prev, head);
    }

    /// <summary>Links <paramref name="node"/> at the front of the list anchored at <paramref name="head"/>.</summary>
    /// <param name="head">An initialized head.</param>
    /// <param name="node">A detached node (both links <see langword="null"/>), not a head.</param>
    /// <exception cref="InvalidOperationException"><paramref name="node"/> is not detached (it is in a list, it is
    /// an initialized head, or it is half-linked). Checked in every build; the list is left unchanged.</exception>
    /// <remarks><b>Safety:</b> the caller must hold the list's lock, pass an initialized head, and keep the node at
    /// the same address, alive, and untouched by anything but this list's operations until it is removed.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddHead(ListHead* head, ListHead* node)
    {
        AssertHead(head);
        ThrowIfNotDetached(node);

        // SAFETY: lock held and head initialized, so head->Next is the valid first link (or head itself);
        // the node is detached and stays put until removed (caller's obligation).
        InsertBetween(node, head, head->Next);
    }

    /// <summary>
    /// Unlinks <paramref name="node"/> from whatever list it is in and marks it detached; a detached node is a quiet
    /// no-op.
    /// </summary>
    /// <param name="node">A node (detached or linked), never a head.</param>
    /// <returns>
    /// <see langword="true"/> when the node was linked and has now been removed (the caller that gets
    /// <see langword="true"/> owns whatever removal means, such as completing a waiter); <see langword="false"/> when
    /// it was already detached, in which case nothing was written.
    /// </returns>
    /// <remarks><b>Safety:</b> the caller must pass a valid node (not a head) and hold the lock of the list the node
    /// may be in. The list's head need not be known.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Remove(ListHead* node)
    {
        Debug.Assert(node != null, "node is null");

        // SAFETY: the node is valid and the lock of its list (if any) is held, so its links are stable.
        Debug.Assert((node->Next == null) == (node->Prev == null), "node is half-linked (exactly one link is null)");
        if (node->Next == null)
        {
            return false;
        }

        // SAFETY: the node is linked into a list whose lock is held, so its neighbours are valid links.
        UnlinkCore(node);
        return true;
    }

    /// <summary>The first element of the list, or <see langword="null"/> when it is empty.</summary>
    /// <param name="head">An initialized head.</param>
    /// <returns>The node after the head, or <see langword="null"/> for an empty list.</returns>
    /// <remarks><b>Safety:</b> the caller must pass an initialized head and hold the list's lock; the returned node
    /// is only guaranteed to stay linked (and alive) while that lock is held.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListHead* First(ListHead* head)
    {
        AssertHead(head);

        // SAFETY: head initialized, lock held.
        var first = head->Next;
        return first == head ? null : first;
    }

    /// <summary>The last element of the list, or <see langword="null"/> when it is empty.</summary>
    /// <param name="head">An initialized head.</param>
    /// <returns>The node before the head, or <see langword="null"/> for an empty list.</returns>
    /// <remarks><b>Safety:</b> the caller must pass an initialized head and hold the list's lock; the returned node
    /// is only guaranteed to stay linked (and alive) while that lock is held.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListHead* Last(ListHead* head)
    {
        AssertHead(head);

        // SAFETY: head initialized, lock held.
        var last = head->Prev;
        return last == head ? null : last;
    }

    /// <summary>Unlinks and returns the first element of the list, or returns <see langword="null"/> when it is empty.</summary>
    /// <param name="head">An initialized head.</param>
    /// <returns>The former first node, now detached (both links <see langword="null"/>), or <see langword="null"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass an initialized head and hold the list's lock. The returned node
    /// is detached, so its memory is no longer referenced by the list.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListHead* PopFirst(ListHead* head)
    {
        AssertHead(head);

        // SAFETY: head initialized, lock held; when first != head it is a linked element with valid neighbours.
        var first = head->Next;
        if (first == head)
        {
            return null;
        }

        UnlinkCore(first);
        return first;
    }

    /// <summary>Counts the elements of the list by walking it. O(n): meant for diagnostics, assertions and tests.</summary>
    /// <param name="head">An initialized head.</param>
    /// <returns>The number of nodes linked after <paramref name="head"/>.</returns>
    /// <remarks><b>Safety:</b> the caller must pass an initialized head and hold the list's lock for the whole
    /// walk.</remarks>
    public static int Count(ListHead* head)
    {
        AssertHead(head);

        var count = 0;

        // SAFETY: lock held for the whole walk, so every link reached from the head is a valid, linked node.
        for (var n = head->Next; n != head; n = n->Next)
        {
            Debug.Assert(n != null, "a linked node has a null Next: the list is corrupt");
            Debug.Assert(n->Next->Prev == n, "n->Next->Prev != n: the list is corrupt");
            count++;
        }

        return count;
    }

    /// <summary>Enumerates the elements of the list from first to last.</summary>
    /// <param name="head">An initialized head.</param>
    /// <returns>
    /// An enumerator for <see langword="foreach"/> yielding each element's <see cref="ListHead"/> pointer. It reads
    /// the next link <i>before</i> yielding the current node, so the current node may be removed (with
    /// <see cref="Remove"/>) during the enumeration; removing or freeing any <i>other</i> node, or adding nodes,
    /// during the enumeration is not supported.
    /// </returns>
    /// <remarks><b>Safety:</b> the caller must pass an initialized head and hold the list's lock for the whole
    /// enumeration.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Enumerator Enumerate(ListHead* head)
    {
        AssertHead(head);
        return new Enumerator(head);
    }

    /// <summary>Describes the links, for the debugger and diagnostics. Reads only this value's two fields.</summary>
    /// <returns><c>ListHead { detached }</c>, or the two link addresses.</returns>
    public override readonly string ToString() =>
        Next == null && Prev == null
            ? "ListHead { detached }"
            : $"ListHead {{ Next = 0x{(nuint)Next:x}, Prev = 0x{(nuint)Prev:x} }}";

    // Links a detached node between two adjacent links. Caller: lock held, prev->Next == next, next->Prev == prev.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InsertBetween(ListHead* node, ListHead* prev, ListHead* next)
    {
        Debug.Assert(prev->Next == next && next->Prev == prev, "prev and next are not adjacent: the list is corrupt");

        // SAFETY: prev and next are adjacent valid links of a list whose lock is held; node is detached, so no
        // other list refers to it. Four writes, and the ring is whole again before anyone else can look.
        node->Next = next;
        node->Prev = prev;
        prev->Next = node;
        next->Prev = node;
    }

    // Unlinks a linked node and marks it detached. Caller: lock held, node linked (not a head).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnlinkCore(ListHead* node)
    {
        // SAFETY: node is linked in a list whose lock is held, so Prev and Next are valid links of that ring.
        var prev = node->Prev;
        var next = node->Next;
        Debug.Assert(prev->Next == node && next->Prev == node, "node's neighbours do not point back at it: the list is corrupt");
        Debug.Assert(prev != node, "a head cannot be removed as a node");
        prev->Next = next;
        next->Prev = prev;
        node->Next = null;
        node->Prev = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ThrowIfNotDetached(ListHead* node)
    {
        Debug.Assert(node != null, "node is null");

        // SAFETY: the node is valid (caller's obligation); reading its own links is race-free under the lock.
        if (node->Next != null || node->Prev != null)
        {
            ThrowHelper.ThrowInvalidOperationException_NodeAlreadyLinked();
        }
    }

    [Conditional("DEBUG")]
    private static void AssertHead(ListHead* head)
    {
        Debug.Assert(head != null, "head is null");

        // SAFETY: the caller passes a valid head; Debug-only sanity read of its own links.
        Debug.Assert(head->Next != null && head->Prev != null, "head is not initialized (call ListHead.Init first)");
    }
}
