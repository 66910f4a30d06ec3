namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>The primitives and exact counters of <see cref="SoakScenario"/>.</summary>
internal sealed class SoakState
{
    internal const int Permits = 3;

    internal readonly PinnedMutex<long> Mutex = new(0);
    internal readonly PinSync.CondVar CondVar = new();
    internal readonly PinnedSemaphore Semaphore = new(Permits, Permits);
    internal readonly PinSync.WaitQueue Queue = new();

    internal long InterruptsSent;
    internal long Interrupted;
    internal long Canceled;
    internal long TokensMade;
    internal long TokensTaken;

    // Guarded by Mutex.
    private long _sections;
    private long _available;
    private long _produced;
    private long _consumed;

    private int _insideSemaphore;
    private long _semaphoreSections;
    private long _tokens;

    /// <summary>A mutex critical section: the protected value and the section count move together.</summary>
    internal void EnterMutex(ref long value)
    {
        value++;
        _sections++;
    }

    /// <summary>A semaphore critical section, then the one release that matches the successful wait.</summary>
    internal void EnterSemaphore()
    {
        var inside = Interlocked.Increment(ref _insideSemaphore);
        if (inside > Permits)
        {
            throw new InvalidOperationException($"{inside} holders of a {Permits}-permit semaphore");
        }

        Interlocked.Increment(ref _semaphoreSections);
        Thread.SpinWait(30);
        Interlocked.Decrement(ref _insideSemaphore);
        Semaphore.Release();
    }

    internal void CondVarStep(Random random, bool produce)
    {
        using var g = Mutex.Lock();
        if (produce)
        {
            _available++;
            _produced++;
            CondVar.NotifyOne();
            return;
        }

        while (_available == 0)
        {
            if (!CondVar.Wait(g, TimeSpan.FromMilliseconds(random.Next(0, 3))))
            {
                return;
            }
        }

        _available--;
        _consumed++;
    }

    internal async Task CondVarStepAsync(Random random)
    {
        using var g = await Mutex.LockAsync();
        while (_available == 0)
        {
            if (!await CondVar.WaitAsync(g, TimeSpan.FromMilliseconds(random.Next(0, 3))))
            {
                return;
            }
        }

        _available--;
        _consumed++;
    }

    internal void WaitQueueStep(Random random, bool produce)
    {
        if (produce)
        {
            Interlocked.Increment(ref TokensMade);
            Interlocked.Increment(ref _tokens);
            Queue.WakeOne();
            return;
        }

        if (Queue.WaitUntilExclusive(TryTakeToken, TimeSpan.FromMilliseconds(random.Next(0, 3))))
        {
            Interlocked.Increment(ref TokensTaken);
        }
    }

    internal bool TryTakeToken()
    {
        var tokens = Volatile.Read(ref _tokens);
        while (tokens > 0)
        {
            var seen = Interlocked.CompareExchange(ref _tokens, tokens - 1, tokens);
            if (seen == tokens)
            {
                return true;
            }

            tokens = seen;
        }

        return false;
    }

    internal void Kick()
    {
        CondVar.NotifyAll();
        Queue.WakeAll();
    }

    internal void AssertWhole()
    {
        Assert.False(Mutex.IsLocked, $"mutex left locked: {this}");
        Assert.Equal(0, Mutex.WaiterCount);
        Assert.True(Mutex.TryLock(out var g));
        Assert.Equal(_sections, g.Value);
        Assert.Equal(_produced - _consumed, _available);
        g.Dispose();
        Assert.Equal(0, CondVar.WaiterCount);
        Assert.Equal(Permits, Semaphore.CurrentCount);
        Assert.Equal(0, Semaphore.WaiterCount);
        Assert.Equal(0, Queue.WaiterCount);
        Assert.Equal(TokensMade, TokensTaken + Volatile.Read(ref _tokens));
        Assert.True(Interrupted > 0, $"no blocking wait was ever interrupted: {this}");
#if DEBUG
        Assert.Equal(0, AsyncWaiter.ActiveWaits);
#endif
    }

    public override string ToString() =>
        $"mutex sections {_sections}, semaphore sections {_semaphoreSections}, condvar {_consumed}/{_produced}, " +
        $"tokens {TokensTaken}/{TokensMade}, interrupts {Interrupted}/{InterruptsSent}, canceled {Canceled}; waiters: mutex {Mutex.WaiterCount}, " +
        $"condvar {CondVar.WaiterCount}, semaphore {Semaphore.WaiterCount}, queue {Queue.WaiterCount}";
}
