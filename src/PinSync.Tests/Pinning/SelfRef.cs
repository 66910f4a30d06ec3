namespace PinSync.Tests.Pinning;

/// <summary>A value that points at itself, like an empty list head.</summary>
internal unsafe struct SelfRef
{
    public SelfRef* Self;
    public long Payload;
}
