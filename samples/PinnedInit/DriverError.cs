namespace PinnedInit;

/// <summary>Why a DriverData could not be built.</summary>
internal readonly record struct DriverError(string Message)
{
    public override string ToString() => Message;
}
