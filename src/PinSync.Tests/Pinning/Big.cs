namespace PinSync.Tests.Pinning;

/// <summary>A 1 MiB value: four times the stack of the small threads the tests start. Never create it on the stack.</summary>
internal unsafe struct Big
{
    public const int Size = 1 << 20;

    public fixed byte Data[Size];
}
