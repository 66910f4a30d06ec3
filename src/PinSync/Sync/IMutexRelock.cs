namespace PinSync;

/// <summary>
/// What an async condition wait needs from the <see cref="PinnedMutex{T}"/> it waits under: once the waiter holds the
/// raw mutex again, the guard's acquisition goes on. Non-generic, so that one pooled waiter type serves every
/// <c>T</c>.
/// </summary>
internal interface IMutexRelock
{
    /// <summary>Re-establishes acquisition <paramref name="token"/>; called by the holder of the raw mutex.</summary>
    void RestoreToken(uint token);
}
