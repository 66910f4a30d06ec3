using PinSync.Intrusive;

namespace PinSync.Tests.Testing.Mutants;

/// <summary>What the semaphore programs of the mutation suite use; implemented by <see cref="MutantSemaphore"/> and
/// by the real <see cref="PinnedSemaphore"/> (<see cref="RealSemaphore"/>), so one program runs against both.</summary>
internal interface ISemaphoreUnderTest
{
    int CurrentCount { get; }

    void Wait();

    bool Wait(TimeSpan timeout);

    void Release();
}

/// <summary>What the mutex programs use: <see cref="MutantMutex"/> or the real <see cref="RawMutex"/>.</summary>
internal interface IMutexUnderTest
{
    bool IsLocked { get; }

    void Lock();

    void Unlock();
}

/// <summary>What the wait-queue programs use: <see cref="MutantWaitQueue"/> or the real <see cref="WaitQueue"/>.</summary>
internal interface IWaitQueueUnderTest
{
    void WaitUntil(Func<bool> condition);

    int WakeAll();
}

/// <summary>What the condition-variable programs use (with a real <see cref="RawMutex"/>): <see cref="MutantCondVar"/>
/// or the real <see cref="RawCondVar"/>.</summary>
internal interface ICondVarUnderTest
{
    void Wait(RealMutex mutex, CancellationToken cancellationToken);

    bool NotifyOne();
}

/// <summary>The real semaphore behind <see cref="ISemaphoreUnderTest"/>.</summary>
internal sealed class RealSemaphore(int initialCount, int maxCount) : ISemaphoreUnderTest, IDisposable
{
    private readonly PinnedSemaphore _semaphore = new(initialCount, maxCount);

    public int CurrentCount => _semaphore.CurrentCount;

    public void Wait() => _semaphore.Wait();

    public bool Wait(TimeSpan timeout) => _semaphore.Wait(timeout);

    public void Release() => _semaphore.Release();

    public void Dispose() => _semaphore.Dispose();
}

/// <summary>The real raw mutex, in pinned storage, behind <see cref="IMutexUnderTest"/>.</summary>
internal sealed unsafe class RealMutex : IMutexUnderTest
{
    private readonly byte[] _owner;

    internal RealMutex()
    {
        Raw = PinSync.PinnedStorage.Allocate<RawMutex>(out _owner);
        RawMutex.InitInPlace(Raw);
    }

    internal RawMutex* Raw { get; }

    public bool IsLocked => Raw->IsLocked;

    public void Lock() => RawMutex.Lock(Raw);

    public void Unlock() => RawMutex.Unlock(Raw);
}

/// <summary>The real wait queue behind <see cref="IWaitQueueUnderTest"/>.</summary>
internal sealed class RealWaitQueue : IWaitQueueUnderTest, IDisposable
{
    private readonly WaitQueue _queue = new();

    public void WaitUntil(Func<bool> condition) => _queue.WaitUntil(condition);

    public int WakeAll() => _queue.WakeAll();

    public void Dispose() => _queue.Dispose();
}

/// <summary>The real raw condition variable, in pinned storage, behind <see cref="ICondVarUnderTest"/>.</summary>
internal sealed unsafe class RealCondVar : ICondVarUnderTest
{
    private readonly byte[] _owner;
    private readonly RawCondVar* _raw;

    internal RealCondVar()
    {
        _raw = PinSync.PinnedStorage.Allocate<RawCondVar>(out _owner);
        RawCondVar.InitInPlace(_raw);
    }

    public void Wait(RealMutex mutex, CancellationToken cancellationToken) => RawCondVar.Wait(_raw, mutex.Raw, cancellationToken);

    public bool NotifyOne() => RawCondVar.NotifyOne(_raw);
}

/// <summary>Shared helpers of the mutants: unlink under the caller's wait lock.</summary>
internal static unsafe class MutantLists
{
    /// <summary>Under the wait lock: unlinks <paramref name="node"/> if linked; returns whether it was.</summary>
    internal static bool UnlinkLocked(ref int waiterCount, WaitNode* node)
    {
        if (!ListHead.Remove(&node->Link))
        {
            return false;
        }

        waiterCount--;
        return true;
    }
}
