namespace BankGrains;

/// <summary>The bank's constants, shared by both hosts.</summary>
public static class Bank
{
    /// <summary>What every account starts with.</summary>
    public const long InitialBalance = 1_000;
}
