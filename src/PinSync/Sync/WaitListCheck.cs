using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// Fail fast, never corrupt: in Debug builds and in processes with the scheduling seam open (test processes, the
/// explorer), every link and unlink of a wait list first checks that the neighbours it is about to rewrite point back
/// where they should. A list broken by a node that went away while linked then fails with an exception naming the
/// primitive, instead of writing through a dangling pointer (an access violation later, somewhere else, or silent
/// corruption). In production builds the checks compile away (<see cref="Enabled"/> is a JIT-time constant).
/// </summary>
internal static unsafe class WaitListCheck
{
#if DEBUG
    private const bool DebugBuild = true;
#else
    private const bool DebugBuild = false;
#endif

    /// <summary>Whether link and unlink steps validate their neighbours.</summary>
    internal static bool Enabled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => DebugBuild || Seam.ControlEnabled;
    }

    /// <summary>Before linking next to <paramref name="head"/>: the head and its neighbours agree. On failure, exits
    /// <paramref name="gate"/> (held by the caller) and throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void BeforeLink(RawSpinLock* gate, ListHead* head, string primitive, void* address)
    {
        if (Enabled && !NeighboursAgree(head))
        {
            Fail(gate, head, primitive, address, "the list head");
        }
    }

    /// <summary>Before unlinking <paramref name="node"/> (if it is linked): its neighbours point back at it. On failure,
    /// exits <paramref name="gate"/> (held by the caller) and throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void BeforeUnlink(RawSpinLock* gate, ListHead* node, string primitive, void* address)
    {
        if (Enabled && node->Next != null && !NeighboursAgree(node))
        {
            Fail(gate, node, primitive, address, "a waiter node");
        }
    }

    // SAFETY: a link of a list whose lock is held; its neighbours are addresses of links that were valid when they were
    // written. Reading one word at each is what this check is for: if the memory was reused, the word is wrong.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NeighboursAgree(ListHead* link) =>
        link->Next != null && link->Prev != null && link->Next->Prev == link && link->Prev->Next == link;

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(RawSpinLock* gate, ListHead* link, string primitive, void* address, string what)
    {
        // The primitive is broken for good, but releasing its lock lets other threads fail the same way instead of
        // spinning forever.
        gate->Exit();
        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"PinSync: the wait list of {primitive} 0x{(nuint)address:x} is corrupt: the neighbours of {what} 0x{(nuint)link:x} do not point back at it (Next = 0x{(nuint)link->Next:x}, Prev = 0x{(nuint)link->Prev:x}). A waiter node was freed or reused while it was still linked."));
    }
}
