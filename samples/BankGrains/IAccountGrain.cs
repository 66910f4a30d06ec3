using PinSync.Runtime;

namespace BankGrains;

/// <summary>A bank account. Money moves only by <see cref="TransferTo"/>, so the total over all accounts is constant.</summary>
public interface IAccountGrain : IGrain
{
    /// <summary>Moves <paramref name="amount"/> to account <paramref name="to"/> if the balance allows it.</summary>
    /// <returns><see langword="true"/> when the money moved.</returns>
    ValueTask<bool> TransferTo(string to, long amount);

    /// <summary>Credits the account. Synchronous inside the grain (no await), so it may interleave with a transfer
    /// that awaits: that is what keeps two opposite transfers (A → B while B → A) from waiting for each other.</summary>
    [AlwaysInterleave]
    ValueTask Credit(long amount);

    /// <summary>The balance.</summary>
    [ReadOnly]
    ValueTask<long> Balance();
}
