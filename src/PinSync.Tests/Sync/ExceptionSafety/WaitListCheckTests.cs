using System.Runtime.InteropServices;
using PinSync.Intrusive;
using PinSync.Pinning;

namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>
/// Fail fast, never corrupt (issue 11): with the seam open (as in every test process) link and unlink check the
/// neighbours they rewrite, so a list broken by a node that went away while linked fails with an exception naming the
/// primitive instead of writing through a dangling pointer — and the primitive's wait lock is released, so the next
/// caller fails the same way instead of spinning forever.
/// </summary>
public sealed unsafe class WaitListCheckTests
{
    [Fact]
    public void Unlock_over_a_node_whose_neighbours_were_overwritten_throws_naming_the_mutex()
    {
        var mutex = (RawMutex*)NativeMemory.AlignedAlloc((nuint)sizeof(RawMutex), 64);
        var node = (WaitNode*)NativeMemory.AllocZeroed((nuint)sizeof(WaitNode));
        var stale = (ListHead*)NativeMemory.AllocZeroed((nuint)sizeof(ListHead));
        try
        {
            PinInit.InPlace(mutex, RawMutex.Init());
            Assert.True(RawMutex.TryLock(mutex));
            Assert.False(RawMutex.MorphOrWake(mutex, node)); // held: the node is linked on the mutex's list

            // What a frame that left without unlinking leaves behind: the memory the list points at is reused.
            stale->Next = stale;
            stale->Prev = stale;
            node->Link.Prev = stale;

            var first = Assert.Throws<InvalidOperationException>(() => RawMutex.Unlock(mutex));
            Assert.Contains("wait list of RawMutex", first.Message, StringComparison.Ordinal);
            Assert.Contains("corrupt", first.Message, StringComparison.Ordinal);
            var second = Assert.Throws<InvalidOperationException>(() => RawMutex.Unlock(mutex));
            Assert.Contains("RawMutex", second.Message, StringComparison.Ordinal);
        }
        finally
        {
            NativeMemory.Free(stale);
            NativeMemory.Free(node);
            NativeMemory.AlignedFree(mutex);
        }
    }

    [Fact]
    public void Wait_on_a_condition_variable_whose_list_head_was_overwritten_throws_naming_it()
    {
        var condVar = (RawCondVar*)NativeMemory.AlignedAlloc((nuint)sizeof(RawCondVar), 64);
        var mutex = (RawMutex*)NativeMemory.AlignedAlloc((nuint)sizeof(RawMutex), 64);
        var stale = (ListHead*)NativeMemory.AllocZeroed((nuint)sizeof(ListHead));
        try
        {
            PinInit.InPlace(condVar, RawCondVar.Init());
            PinInit.InPlace(mutex, RawMutex.Init());

            // The head's last link points at memory that no longer points back (a node that left without unlinking).
            stale->Next = stale;
            stale->Prev = stale;
            var head = (ListHead*)((byte*)condVar + (nint)Marshal.OffsetOf<RawCondVarLayout>(nameof(RawCondVarLayout.Waiters)));
            Assert.True(head->Next == head && head->Prev == head, "the layout above finds the empty list's head");
            head->Prev = stale;
            head->Next = stale;

            Assert.True(RawMutex.TryLock(mutex));
            var thrown = Assert.Throws<InvalidOperationException>(() => RawCondVar.Wait(condVar, mutex, TimeSpan.FromMilliseconds(1)));
            Assert.Contains("wait list of RawCondVar", thrown.Message, StringComparison.Ordinal);
            Assert.True(mutex->IsLocked, "the wait failed before it released the mutex");
        }
        finally
        {
            NativeMemory.Free(stale);
            NativeMemory.AlignedFree(mutex);
            NativeMemory.AlignedFree(condVar);
        }
    }

    /// <summary>RawCondVar's field layout (sequential: the spin lock, the disposed flag, the count, the head's two links).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RawCondVarLayout
    {
        public int WaitLock;
        public int Disposed;
        public int WaiterCount;
        public nint Waiters; // the head's Next, then its Prev
        public nint WaitersPrev;
    }
}
