namespace PinSync.Tests.Conformance;

/// <summary>The exclusive-lock conformance suite on a one-permit <see cref="PinnedSemaphore"/> (queued waiters are woken in
/// queue order; the suite's order check has no newcomer that could barge).</summary>
public sealed class PinnedSemaphoreConformanceTests : ExclusiveLockConformanceTests
{
    protected override bool IsStrictFifo => true;

    protected override ILockAdapter CreateLock() => new Adapter();

    private sealed class Adapter : ILockAdapter
    {
        private readonly PinnedSemaphore _semaphore = new(1, 1);

        public int WaiterCount => _semaphore.WaiterCount;

        public bool IsHeld => _semaphore.CurrentCount == 0;

        public void Acquire(CancellationToken cancellationToken = default) => _semaphore.Wait(cancellationToken);

        public bool TryAcquire(TimeSpan timeout, CancellationToken cancellationToken = default) => _semaphore.Wait(timeout, cancellationToken);

        public ValueTask AcquireAsync(CancellationToken cancellationToken = default) => _semaphore.WaitAsync(cancellationToken);

        public ValueTask<bool> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
            _semaphore.WaitAsync(timeout, cancellationToken);

        public void Release() => _semaphore.Release();

        public void Dispose() => _semaphore.Dispose();
    }
}
