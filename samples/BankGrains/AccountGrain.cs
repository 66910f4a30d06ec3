using PinSync.Runtime;

namespace BankGrains;

/// <summary>An account: non-reentrant, so a transfer runs alone from debit to credit, awaits included.</summary>
public sealed class AccountGrain(AuditLog audit) : Grain, IAccountGrain
{
    private long _balance = Program.InitialBalance;

    public async ValueTask<bool> TransferTo(string to, long amount)
    {
        if (amount <= 0 || amount > _balance || to == GrainKey)
        {
            return false;
        }

        _balance -= amount;
        try
        {
            await GrainFactory.GetGrain<IAccountGrain>(to).Credit(amount);
        }
        catch
        {
            _balance += amount; // the credit did not happen: undo the debit
            throw;
        }

        audit.Record();
        return true;
    }

    public ValueTask Credit(long amount)
    {
        _balance += amount;
        return ValueTask.CompletedTask;
    }

    public ValueTask<long> Balance() => new(_balance);
}
