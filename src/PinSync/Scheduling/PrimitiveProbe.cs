using System.ComponentModel;

namespace PinSync.Scheduling;

/// <summary>
/// What a <see cref="SchedulingController"/> learns of a PinSync primitive created by one of its operations
/// (<see cref="SchedulingController.OnPrimitiveCreated"/>): a name and a check of the primitive's invariants, for a
/// controller that validates every primitive a schedule touched once the schedule is over. For test controllers;
/// production code never sees one (probes are made only on threads attached to a controller).
/// </summary>
/// <remarks>Thread safety: <see cref="CheckQuiescent"/> reads the primitive's wait lists and may be called only while
/// no operation uses the primitive (between schedules). A probe keeps its primitive's memory alive.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class PrimitiveProbe
{
    private protected PrimitiveProbe()
    {
    }

    /// <summary>The primitive's kind, such as <c>"PinnedMutex"</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The address of the raw primitive: the <c>resource</c> of its scheduling points.</summary>
    public abstract nint Address { get; }

    /// <summary>
    /// Checks the primitive at rest: every wait list well-formed (each link's neighbours point back at it, the
    /// length matches the waiter count), nobody queued, a mutex free, a semaphore's permits back at their initial
    /// count. Returns <see langword="null"/> when all hold, else what does not.
    /// </summary>
    /// <returns>A description of the first broken invariant, or <see langword="null"/>.</returns>
    public abstract string? CheckQuiescent();

    /// <inheritdoc />
    public override string ToString() => $"{Kind} 0x{(nuint)Address:x}";
}
