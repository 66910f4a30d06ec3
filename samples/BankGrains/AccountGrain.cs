namespace BankGrains;

/// <summary>
/// An account: non-reentrant, so a transfer runs alone from debit to credit, awaits included. State is written
/// through to <see cref="AccountStore"/>; a debit is stored together with its pending credit, and the credit is
/// retried until it lands (it is idempotent), so neither a failed call nor a stopped silo loses or creates money.
/// </summary>
public sealed class AccountGrain(AccountStore store, AuditLog audit) : Grain, IAccountGrain
{
    /// <summary>How often a credit is tried before the transfer gives up for now (it stays in the outbox and is
    /// delivered by <see cref="Settle"/> or the next activation).</summary>
    public const int CreditAttempts = 5;

    private AccountRecord _record = AccountRecord.Open(Bank.InitialBalance);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _record = store.Load(this.GetPrimaryKeyString(), Bank.InitialBalance);
        return Task.CompletedTask;
    }

    public async ValueTask<bool> TransferTo(string to, long amount)
    {
        if (amount <= 0 || amount > _record.Balance || to == this.GetPrimaryKeyString())
        {
            return false;
        }

        var credit = new PendingCredit(Guid.NewGuid(), to, amount);
        Save(_record with { Balance = _record.Balance - amount, Outbox = _record.Outbox.Add(credit) });
        await DeliverAsync(credit, CreditAttempts);
        audit.Record();
        return true;
    }

    public ValueTask Credit(Guid transferId, long amount)
    {
        if (!_record.Applied.Contains(transferId))
        {
            Save(_record with { Balance = _record.Balance + amount, Applied = _record.Applied.Add(transferId) });
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask<long> Settle()
    {
        foreach (var credit in _record.Outbox)
        {
            await DeliverAsync(credit, CreditAttempts);
        }

        return _record.Balance;
    }

    public ValueTask<long> Balance() => new(_record.Balance);

    /// <summary>Sends <paramref name="credit"/> until it lands, then removes it from the outbox. The documented retry:
    /// up to <paramref name="attempts"/> tries, 50 ms × attempt apart; the last failure is rethrown and the credit
    /// stays in the outbox.</summary>
    private async Task DeliverAsync(PendingCredit credit, int attempts)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await GrainFactory.GetGrain<IAccountGrain>(credit.To).Credit(credit.Id, credit.Amount);
                break;
            }
            catch (Exception) when (attempt < attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt));
            }
        }

        Save(_record with { Outbox = _record.Outbox.Remove(credit) });
    }

    private void Save(AccountRecord record)
    {
        _record = record;
        store.Save(this.GetPrimaryKeyString(), record);
    }
}
