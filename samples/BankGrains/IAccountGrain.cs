namespace BankGrains;

/// <summary>
/// A bank account. Money moves only by <see cref="TransferTo"/>, so the total over all accounts is constant. The same
/// file compiles against PinSync.Runtime and against Orleans: the project's global usings pick the host.
/// </summary>
public interface IAccountGrain : IGrainWithStringKey
{
    /// <summary>Moves <paramref name="amount"/> to account <paramref name="to"/> if the balance allows it. The debit
    /// and the pending credit are stored together; the credit is retried (it is idempotent) until it lands.</summary>
    /// <returns><see langword="true"/> when the money moved (or is recorded as on its way and will land).</returns>
    ValueTask<bool> TransferTo(string to, long amount);

    /// <summary>Credits the account once per <paramref name="transferId"/> (a repeated credit is ignored). Synchronous
    /// inside the grain, so it may interleave with a transfer that awaits: that is what keeps two opposite transfers
    /// (A → B while B → A) from waiting for each other.</summary>
    [AlwaysInterleave]
    ValueTask Credit(Guid transferId, long amount);

    /// <summary>Delivers credits still on their way (after a failure) and returns the balance.</summary>
    ValueTask<long> Settle();

    /// <summary>The balance.</summary>
    [ReadOnly]
    ValueTask<long> Balance();
}
