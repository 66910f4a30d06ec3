namespace PinSync.Runtime.Internal;

/// <summary>What the reentrancy predicate needs to know about a kind of request: its name and its interleaving
/// flags. One instance per grain method (and per grain timer), shared by all its requests.</summary>
/// <param name="Name">The method name as shown in call chains (<c>Deposit</c>).</param>
/// <param name="AlwaysInterleave">The method is <see cref="AlwaysInterleaveAttribute"/> (or the timer interleaves).</param>
/// <param name="IsReadOnly">The method is <see cref="ReadOnlyAttribute"/>.</param>
internal sealed record RequestShape(string Name, bool AlwaysInterleave, bool IsReadOnly);
