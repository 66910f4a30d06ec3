namespace PinSync.Tests.Conformance;

/// <summary>The exclusive-lock conformance suite on <see cref="PinnedMutex{T}"/> (barging allowed: not strict FIFO).</summary>
public sealed class PinnedMutexConformanceTests : ExclusiveLockConformanceTests
{
    protected override bool IsStrictFifo => false;

    protected override ILockAdapter CreateLock() => new Adapter();

    private sealed class Adapter : ILockAdapter
    {
        private readonly PinnedMutex<int> _mutex = new(0);
        // The one place a guard lives in a field: this adapter turns scoped guards into the Acquire/Release shape
        // the shared suite drives, and each test releases what it acquired.
#pragma warning disable PINSYNC011
        private MutexGuard<int> _guard;
#pragma warning restore PINSYNC011

        public int WaiterCount => _mutex.WaiterCount;

        public bool IsHeld => _mutex.IsLocked;

        public void Acquire(CancellationToken cancellationToken = default) => _guard = _mutex.Lock(cancellationToken);

        public bool TryAcquire(TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            var acquired = _mutex.TryLock(timeout, out var guard, cancellationToken);
            if (acquired)
            {
                _guard = guard;
            }

            return acquired;
        }

        public async ValueTask AcquireAsync(CancellationToken cancellationToken = default) => _guard = await _mutex.LockAsync(cancellationToken);

        public async ValueTask<bool> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            var guard = await _mutex.TryLockAsync(timeout, cancellationToken);
            if (guard.Acquired)
            {
                _guard = guard;
            }

            return guard.Acquired;
        }

        // Guards are thread-agnostic: the holder of record releases, whichever thread it runs on.
        public void Release() => _guard.Dispose();

        public void Dispose() => _mutex.Dispose();
    }
}
