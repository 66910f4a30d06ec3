using System.Globalization;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// What the callers of one <see cref="PinnedSemaphore"/> saw, kept only under a controller (the explorer's invariant
/// probe): permits handed to callers (every wait that returned or completed holding one) and permits released. At rest
/// the count must equal <c>initial + released − acquired</c> (a grant lost or doubled inside the semaphore breaks it),
/// and no permit may be held once every operation finished (acquired more than released: a holder left without
/// releasing). In production <see cref="Seam.ControlEnabled"/> is a JIT-time <see langword="false"/>: no ledger is
/// made and every hook compiles away.
/// </summary>
internal sealed class SemaphoreLedger
{
    private readonly int _initialCount;
    private long _acquired;
    private long _released;

    internal SemaphoreLedger(int initialCount) => _initialCount = initialCount;

    /// <summary>Counts a permit handed to a caller of the semaphore that owns <paramref name="keepAlive"/>.</summary>
    internal static void Acquired(object? keepAlive)
    {
        if (Seam.ControlEnabled && keepAlive is PinnedSemaphore { Ledger: { } ledger })
        {
            Interlocked.Increment(ref ledger._acquired);
        }
    }

    /// <summary>Counts <paramref name="releaseCount"/> permits released by a caller.</summary>
    internal void Released(int releaseCount) => Interlocked.Add(ref _released, releaseCount);

    /// <summary>What is wrong with <paramref name="currentCount"/> at rest, or <see langword="null"/>.</summary>
    internal string? Check(int currentCount, bool disposed)
    {
        var acquired = Volatile.Read(ref _acquired);
        var released = Volatile.Read(ref _released);
        var expected = _initialCount + released - acquired;
        if (currentCount != expected)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"permits not conserved: {currentCount} available after every operation finished, but {_initialCount} at first + {released} released - {acquired} handed to callers = {expected}");
        }

        // Disposed while in use: a holder's Release throws ObjectDisposedException, so a held permit proves nothing.
        return !disposed && acquired > released && currentCount < _initialCount
            ? string.Create(CultureInfo.InvariantCulture,
                $"{_initialCount - currentCount} permit(s) still held after every operation finished (a holder left without releasing)")
            : null;
    }
}
