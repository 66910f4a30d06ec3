using System.Runtime.InteropServices;
using System.Text;
using PinSync.Pinning;

namespace PinnedInit;

/// <summary>A 1 MiB buffer: far too big for the stack of many threads, so it is only ever built in place.</summary>
internal unsafe struct DriverBuffer
{
    public const int Size = 1 << 20;

    public fixed byte Data[Size];

    /// <summary>The first eight bytes, as text.</summary>
    public readonly string Signature
    {
        get
        {
            fixed (byte* p = Data)
            {
                return Encoding.ASCII.GetString(p, 8);
            }
        }
    }

    /// <summary>Zeroes the buffer in place and stamps a signature, or fails as a busy device would.</summary>
    public static ClosureInit<DriverBuffer, DriverError> Initializer(bool fail) =>
        PinInit.FromClosure((DriverBuffer* slot, out DriverError error) =>
        {
            if (fail)
            {
                Console.WriteLine("    buffer initializer fails: DMA region unavailable");
                error = new DriverError("buffer: DMA region unavailable");
                return false;
            }

            NativeMemory.Clear(slot, Size);
            "PINSYNC!"u8.CopyTo(new Span<byte>(slot->Data, 8));
            Console.WriteLine($"    buffer built ({Size:N0} bytes, zeroed in place)");
            error = default;
            return true;
        });
}
