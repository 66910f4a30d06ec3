using System.Diagnostics.Metrics;

namespace PinSync.Runtime.Internal;

/// <summary>
/// The runtime's instruments on the <c>PinSync.Runtime</c> meter: activations, queued requests, requests,
/// rejections, deadlock reports and turn duration. Each update checks <c>Enabled</c> first, so an unobserved
/// instrument costs one field read.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class RuntimeMetrics : IDisposable
{
    internal const string MeterName = "PinSync.Runtime";

    private readonly Meter? _ownedMeter;
    private readonly UpDownCounter<long> _activations;
    private readonly UpDownCounter<long> _queued;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _deadlocks;
    private readonly Histogram<double> _turnDuration;

    internal RuntimeMetrics(IMeterFactory? factory)
    {
        Meter meter;
        if (factory is null)
        {
            meter = _ownedMeter = new Meter(MeterName);
        }
        else
        {
            meter = factory.Create(MeterName);
        }

        _activations = meter.CreateUpDownCounter<long>("pinsync.runtime.activations", "{activation}", "Live grain activations.");
        _queued = meter.CreateUpDownCounter<long>("pinsync.runtime.queued_requests", "{request}", "Requests queued and not started yet.");
        _requests = meter.CreateCounter<long>("pinsync.runtime.requests", "{request}", "Requests and timer ticks finished.");
        _rejected = meter.CreateCounter<long>("pinsync.runtime.rejected_requests", "{request}", "Requests rejected by backpressure.");
        _deadlocks = meter.CreateCounter<long>("pinsync.runtime.deadlocks", "{request}", "Requests failed as call-chain deadlocks.");
        _turnDuration = meter.CreateHistogram<double>("pinsync.runtime.turn.duration", "ms", "Duration of one turn.");
    }

    internal void ActivationCreated() => Add(_activations, 1);

    internal void ActivationDestroyed() => Add(_activations, -1);

    internal void RequestQueued() => Add(_queued, 1);

    internal void RequestStarted() => Add(_queued, -1);

    internal void RequestFinished()
    {
        if (_requests.Enabled)
        {
            _requests.Add(1);
        }
    }

    internal void RequestRejected() => _rejected.Add(1);

    internal void DeadlockReported() => _deadlocks.Add(1);

    internal void RecordTurn(long elapsedTicks)
    {
        if (_turnDuration.Enabled)
        {
            _turnDuration.Record(elapsedTicks / (double)TimeSpan.TicksPerMillisecond);
        }
    }

    public void Dispose() => _ownedMeter?.Dispose();

    private static void Add(UpDownCounter<long> counter, long delta)
    {
        if (counter.Enabled)
        {
            counter.Add(delta);
        }
    }
}
