using BenchmarkDotNet.Attributes;
using PinSync.Pinning;

namespace PinSync.Bench.Pinning;

/// <summary>
/// The cost of pinned native storage: creating and disposing a small <see cref="PinBox{T}"/>, and building a 1 MiB
/// value in place versus the managed way (built in a heap object, then copied to its final place).
/// </summary>
[MemoryDiagnoser]
public unsafe class PinBoxBenchmarks
{
    private byte[] _destination = [];

    [GlobalSetup]
    public void Setup() => _destination = new byte[Mebibyte.Size];

    [Benchmark(Description = "PinBox<Small>: create (Value) + dispose")]
    public long SmallCreateDispose()
    {
        using var box = PinBox<Small>.Create(PinInit.Value(new Small { A = 1, B = 2 }));
        return box.Pointer->A + box.Pointer->B;
    }

    [Benchmark(Description = "PinBox<Small>: create (Zeroed) + dispose")]
    public long SmallZeroedCreateDispose()
    {
        using var box = PinBox<Small>.Create(PinInit.Zeroed<Small>());
        return box.Pointer->A;
    }

    [Benchmark(Baseline = true, Description = "1 MiB: built on the heap (byte[]), then copied")]
    public byte BigOnHeapThenCopied()
    {
        var staging = new byte[Mebibyte.Size];
        staging[0] = 1;
        staging[^1] = 2;
        staging.AsSpan().CopyTo(_destination);
        return _destination[^1];
    }

    [Benchmark(Description = "1 MiB: built in place in a PinBox (Zeroed) + dispose")]
    public byte BigInPlace()
    {
        using var box = PinBox<Mebibyte>.Create(PinInit.Zeroed<Mebibyte>());
        box.Pointer->Data[0] = 1;
        box.Pointer->Data[Mebibyte.Size - 1] = 2;
        return box.Pointer->Data[Mebibyte.Size - 1];
    }

    /// <summary>A small pinned value.</summary>
    internal struct Small
    {
        public long A;
        public long B;
    }

    /// <summary>A 1 MiB value, only ever built in place.</summary>
    internal struct Mebibyte
    {
        public const int Size = 1 << 20;

        public fixed byte Data[Size];
    }
}
