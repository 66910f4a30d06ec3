using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>Hosting (service registration) and the runtime's meter.</summary>
public sealed class GrainHostingTests : TestBase
{
    [Fact]
    public async Task AddGrainRuntime_Resolved_RegistersOneRuntimeAlsoAsGrainFactory()
    {
        var services = new ServiceCollection().AddGrainRuntime(options => options.RequestTimeout = TimeSpan.FromSeconds(5));
        var provider = new DictionaryServices(services);

        var runtime = provider.GetRequiredService<GrainRuntime>();
        var factory = provider.GetRequiredService<IGrainFactory>();

        Assert.Same(runtime, factory);
        await using (runtime)
        {
            Assert.Equal(5, await WithTimeout(factory.GetGrain<IFaultyGrain>(GrainEvents.NewKey("di")).Echo(5).AsTask()));
        }
    }

    [Fact]
    public async Task Meter_CallsMade_ReportsActivationsRequestsAndTurnDurations()
    {
        using var meters = new TestMeterFactory();
        var measurements = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.Created.Contains(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measurements.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => measurements.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1));
        listener.Start();

        await using (var runtime = new GrainRuntime(new GrainRuntimeOptions { MeterFactory = meters }))
        {
            var grain = runtime.GetGrain<IFaultyGrain>(GrainEvents.NewKey("metrics"));
            for (var i = 0; i < 3; i++)
            {
                await grain.Echo(i);
            }

            Assert.Equal(1, measurements.GetValueOrDefault("pinsync.runtime.activations"));
            Assert.Equal(3, measurements.GetValueOrDefault("pinsync.runtime.requests"));
            Assert.Equal(0, measurements.GetValueOrDefault("pinsync.runtime.queued_requests"));
            Assert.True(measurements.GetValueOrDefault("pinsync.runtime.turn.duration") >= 3);
        }

        Assert.Equal(0, measurements.GetValueOrDefault("pinsync.runtime.activations"));
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public ConcurrentBag<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }

    /// <summary>Just enough of a container for singleton factories (the test project has no DI container).</summary>
    private sealed class DictionaryServices(IServiceCollection services) : IServiceProvider
    {
        private readonly ConcurrentDictionary<Type, object?> _singletons = new();

        public object? GetService(Type serviceType)
        {
            var descriptor = services.LastOrDefault(d => d.ServiceType == serviceType);
            return descriptor?.ImplementationFactory is { } factory ? _singletons.GetOrAdd(serviceType, _ => factory(this)) : null;
        }
    }
}
