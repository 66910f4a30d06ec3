using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace BankGrains;

/// <summary>A pending credit: money already debited from its account, not yet known to have landed.</summary>
/// <param name="Id">The transfer's id (credits are idempotent per id).</param>
/// <param name="To">The account to credit.</param>
/// <param name="Amount">The amount.</param>
public sealed record PendingCredit(Guid Id, string To, long Amount);

/// <summary>What an account stores: its balance, the credits it owes, the transfer ids it has received.</summary>
/// <param name="Balance">The balance.</param>
/// <param name="Outbox">Debited, not yet delivered.</param>
/// <param name="Applied">Credits received (so a retried credit is not counted twice).</param>
public sealed record AccountRecord(long Balance, ImmutableList<PendingCredit> Outbox, ImmutableHashSet<Guid> Applied)
{
    /// <summary>A new account with <paramref name="balance"/>.</summary>
    public static AccountRecord Open(long balance) => new(balance, [], []);
}

/// <summary>
/// The accounts' storage, written through on every change, so an account survives its activation (idle collection,
/// a silo that stops). In-memory and shared by everything in the process — in the sample and the tests both hosts (and
/// both in-process silos) use one instance; a real deployment would put a database here (or Orleans' grain
/// persistence, which PinSync.Runtime does not have).
/// </summary>
public sealed class AccountStore
{
    private readonly ConcurrentDictionary<string, AccountRecord> _records = new();

    /// <summary>The stored record of <paramref name="account"/>, or a new account with <paramref name="initialBalance"/>.</summary>
    public AccountRecord Load(string account, long initialBalance) => _records.GetOrAdd(account, AccountRecord.Open(initialBalance));

    /// <summary>Stores <paramref name="record"/> (one atomic replace: balance, outbox and applied ids together).</summary>
    public void Save(string account, AccountRecord record) => _records[account] = record;

    /// <summary>The sum of every stored balance and every credit still on its way.</summary>
    public long TotalMoney() => _records.Values.Sum(r => r.Balance + r.Outbox.Sum(c => c.Amount));
}
