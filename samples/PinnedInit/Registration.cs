using PinSync.Pinning;

namespace PinnedInit;

/// <summary>
/// The part of DriverData that needs teardown: while it exists it counts as live, the way a driver registration
/// holds a slot in a global table. A rollback must drop it.
/// </summary>
internal unsafe struct Registration : IPinnedDrop
{
    public int Id;

    /// <summary>Registrations built and not yet dropped (the sample is single-threaded).</summary>
    public static int Live { get; private set; }

    /// <summary>Registrations dropped so far.</summary>
    public static int Dropped { get; private set; }

    /// <summary>Builds a registration in place and counts it live.</summary>
    public static ClosureInit<Registration, Infallible> Initializer(int id) =>
        PinInit.FromClosure((Registration* slot, out Infallible error) =>
        {
            slot->Id = id;
            Live++;
            Console.WriteLine($"    Registration #{id} built");
            error = default;
            return true;
        });

    public void Drop()
    {
        Live--;
        Dropped++;
        Console.WriteLine($"    Registration #{Id} dropped");
    }
}
