using System.Diagnostics.Metrics;
using PinSync.Tests.Sync.Mutex;

namespace PinSync.Tests.Internal;

public sealed class PinSyncMetricsTests : TestBase
{
    [Fact]
    public void Meter_ContendedWaitPastStarvationBound_RecordsContentionWaitTimeAndHandoff()
    {
        long contended = 0, handoffs = 0, waits = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "PinSync")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "pinsync.contended_acquisitions")
            {
                Interlocked.Add(ref contended, value);
            }
            else if (instrument.Name == "pinsync.handoffs")
            {
                Interlocked.Add(ref handoffs, value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "pinsync.wait_time" && value >= 0)
            {
                Interlocked.Increment(ref waits);
            }
        });
        listener.Start();

        using var m = new PinnedMutex<int>(0);
        var holder = m.Lock();
        var waiter = new Thread(() =>
        {
            using var g = m.Lock();
            g.Value++;
        });
        waiter.Start();
        PinnedMutexMisuseTests.SpinUntil(() => m.WaiterCount == 1);
        Thread.Sleep(RawMutex.StarvationThreshold * 5); // the waiter is now past the bound: the unlock hands over
        holder.Dispose();
        JoinOrFail(waiter);

        Assert.True(Interlocked.Read(ref contended) >= 1);
        Assert.True(Interlocked.Read(ref handoffs) >= 1);
        Assert.True(Interlocked.Read(ref waits) >= 1);
    }

    [Fact]
    public void StarvationThreshold_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RawMutex.StarvationThreshold = TimeSpan.FromTicks(-1));
        Assert.Equal(TimeSpan.FromMilliseconds(1), RawMutex.StarvationThreshold);
    }
}
