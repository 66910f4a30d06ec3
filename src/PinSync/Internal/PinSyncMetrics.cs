using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using PinSync.Scheduling;

namespace PinSync.Internal;

/// <summary>
/// The <c>PinSync</c> meter, readable with <c>dotnet-counters monitor --counters PinSync</c> or any
/// <see cref="MeterListener"/>. Instruments are recorded on slow paths only (a wait that queued, an unlock that
/// handed over), and each record first checks <see cref="Instrument.Enabled"/>, so an unobserved meter costs a
/// field read.
/// </summary>
internal static class PinSyncMetrics
{
    /// <summary>The meter's name.</summary>
    internal const string MeterName = "PinSync";

    private static readonly Meter s_meter = new(MeterName, typeof(PinSyncMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Acquisitions that had to queue (mutex, semaphore, condition variable and wait queue waits).</summary>
    internal static readonly Counter<long> ContendedAcquisitions = s_meter.CreateCounter<long>(
        "pinsync.contended_acquisitions", unit: "{acquisition}", description: "Waits that had to queue behind a holder.");

    /// <summary>Unlocks that handed the mutex straight to a waiter that had waited past the starvation bound.</summary>
    internal static readonly Counter<long> Handoffs = s_meter.CreateCounter<long>(
        "pinsync.handoffs", unit: "{handoff}", description: "Unlocks that handed the lock directly to a starving waiter.");

    /// <summary>How long queued waiters waited, from joining the list to leaving it.</summary>
    internal static readonly Histogram<double> WaitTime = s_meter.CreateHistogram<double>(
        "pinsync.wait_time", unit: "ms", description: "Time a queued waiter spent in the wait list.");

    /// <summary>Counts a queued wait of <paramref name="primitive"/> (a kind name such as <c>"mutex"</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RecordContended(string primitive)
    {
        if (ContendedAcquisitions.Enabled)
        {
            ContendedAcquisitions.Add(1, new KeyValuePair<string, object?>("primitive", primitive));
        }
    }

    /// <summary>Counts a direct handoff.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RecordHandoff()
    {
        if (Handoffs.Enabled)
        {
            Handoffs.Add(1);
        }
    }

    /// <summary>Records the wait of a waiter that joined its list at <paramref name="enqueuedAt"/> (seam ticks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RecordWait(string primitive, long enqueuedAt)
    {
        if (WaitTime.Enabled)
        {
            WaitTime.Record(
                (Seam.NowTicks() - enqueuedAt) / (double)TimeSpan.TicksPerMillisecond,
                new KeyValuePair<string, object?>("primitive", primitive));
        }
    }
}
