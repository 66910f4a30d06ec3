using PinSync.Pinning;

namespace PinSync.Tests.Sync.Semaphore;

public sealed class RawSemaphoreTests : TestBase
{
    [Theory]
    [InlineData(0, 0, RawSemaphoreInitError.MaxCountNotPositive)]
    [InlineData(0, -5, RawSemaphoreInitError.MaxCountNotPositive)]
    [InlineData(-1, 4, RawSemaphoreInitError.InitialCountOutOfRange)]
    [InlineData(5, 4, RawSemaphoreInitError.InitialCountOutOfRange)]
    public unsafe void Init_CountsOutOfRange_FailsWithErrorAndLeavesSlotUntouched(int initialCount, int maxCount, RawSemaphoreInitError expected)
    {
        RawSemaphore slot;
        var bytes = new Span<byte>(&slot, sizeof(RawSemaphore));
        bytes.Fill(0xCD);

        Assert.False(PinInit.TryInPlace(&slot, RawSemaphore.Init(initialCount, maxCount), out RawSemaphoreInitError error));

        Assert.Equal(expected, error);
        Assert.True(bytes.IndexOfAnyExcept((byte)0xCD) < 0, "A failed initializer must not write the slot.");
    }

    [Fact]
    public unsafe void Init_InPlaceThrowingHelper_ReportsTheError()
    {
        RawSemaphore slot;
        var pointer = &slot;
        var e = Assert.Throws<InvalidOperationException>(
            () => PinInit.InPlace<RawSemaphore, RawSemaphoreInitError, InitRawSemaphore>(pointer, RawSemaphore.Init(3, 2)));
        Assert.Contains(nameof(RawSemaphoreInitError.InitialCountOutOfRange), e.Message);
    }

    [Fact]
    public unsafe void StackLocal_WaitAndRelease_CountsAndFastPaths()
    {
        RawSemaphore sem;
        Assert.True(PinInit.TryInPlace(&sem, RawSemaphore.Init(2, 3), out RawSemaphoreInitError error));
        Assert.Equal(RawSemaphoreInitError.None, error);
        Assert.Equal(2, sem.CurrentCount);
        Assert.Equal(3, sem.MaxCount);

        Assert.True(RawSemaphore.TryWait(&sem));
        RawSemaphore.Wait(&sem);
        Assert.False(RawSemaphore.TryWait(&sem));
        Assert.False(RawSemaphore.TryWait(&sem, TimeSpan.Zero));
        Assert.Equal(0, RawSemaphore.Release(&sem, 3));
        var pointer = &sem;
        Assert.Throws<SemaphoreFullException>(() => ReleaseOne(pointer));
        Assert.Equal(3, sem.CurrentCount);
        RawSemaphore.Dispose(&sem);
    }

    [Fact]
    public async Task PinBox_AsyncWaitThenRelease_GrantsQueuedWaitersInOrder()
    {
        using var box = PinBox<RawSemaphore>.Create<InitRawSemaphore, RawSemaphoreInitError>(RawSemaphore.Init(0, 1));
        var pending = WaitAsync(box, TestTimeoutToken);
        var timed = TryWaitAsync(box, UnexpectedTimeout, TestTimeoutToken);
        Assert.Equal(2, box.Value.WaiterCount);

        Assert.Equal(0, Release(box));
        await WithTimeout(pending);
        Assert.False(timed.IsCompleted);
        Assert.Equal(0, Release(box));
        Assert.True(await WithTimeout(timed));
        Assert.Equal(0, box.Value.CurrentCount);
        Dispose(box);
    }

    private static unsafe void ReleaseOne(RawSemaphore* sem) => RawSemaphore.Release(sem);

    private static unsafe Task WaitAsync(PinBox<RawSemaphore> box, CancellationToken token) =>
        RawSemaphore.WaitAsync(box.Pointer, token).AsTask();

    private static unsafe Task<bool> TryWaitAsync(PinBox<RawSemaphore> box, TimeSpan timeout, CancellationToken token) =>
        RawSemaphore.TryWaitAsync(box.Pointer, timeout, token).AsTask();

    private static unsafe int Release(PinBox<RawSemaphore> box) => RawSemaphore.Release(box.Pointer);

    private static unsafe void Dispose(PinBox<RawSemaphore> box) => RawSemaphore.Dispose(box.Pointer);
}
