using System.Diagnostics.Metrics;

namespace PinSync.Bench.Profiling;

/// <summary>
/// PinSync's meter (slow paths only), counted while the listener lives: lock waits that had to queue
/// (<c>pinsync.contended_acquisitions</c>) and handoffs past the starvation bound (<c>pinsync.handoffs</c>). The
/// interleaved modes read the counts before and after each row.
/// </summary>
internal sealed class MeterCounts : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _queued;
    private long _handoffs;

    internal MeterCounts()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == "PinSync" && instrument.Name is "pinsync.contended_acquisitions" or "pinsync.handoffs")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            Interlocked.Add(ref instrument.Name == "pinsync.handoffs" ? ref _handoffs : ref _queued, value));
        _listener.Start();
    }

    /// <summary>Waits that queued so far.</summary>
    internal long Queued => Interlocked.Read(ref _queued);

    /// <summary>Handoffs so far.</summary>
    internal long Handoffs => Interlocked.Read(ref _handoffs);

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
