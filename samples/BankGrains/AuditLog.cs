namespace BankGrains;

/// <summary>A service injected into every account (constructor injection through the container): counts transfers.</summary>
public sealed class AuditLog
{
    private long _transfers;

    public long Transfers => Interlocked.Read(ref _transfers);

    public void Record() => Interlocked.Increment(ref _transfers);
}
