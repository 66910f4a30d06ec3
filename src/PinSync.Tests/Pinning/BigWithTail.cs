namespace PinSync.Tests.Pinning;

#pragma warning disable CS0649 // Assigned in place, through pointers, by initializers.

/// <summary>A 1 MiB buffer followed by a droppable field at a large offset.</summary>
internal struct BigWithTail
{
    public Big Buffer;
    public Tracked Tail;
}
