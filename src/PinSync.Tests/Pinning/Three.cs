namespace PinSync.Tests.Pinning;

#pragma warning disable CS0649 // Assigned in place, through pointers, by initializers.

/// <summary>Three droppable fields, for rollback tests of the struct builder.</summary>
internal struct Three
{
    public Tracked A;
    public Tracked B;
    public Tracked C;
}
