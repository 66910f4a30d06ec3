using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace PinSync.Runtime;

/// <summary>Hosting: registers a <see cref="GrainRuntime"/> in a service collection.</summary>
public static class GrainServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="GrainRuntime"/> (a singleton, also as <see cref="IGrainFactory"/>). Grain constructors
    /// get their arguments from the container; the runtime logs to the container's <see cref="ILoggerFactory"/> and
    /// creates its meter with the container's <see cref="IMeterFactory"/>, when there are ones. The container disposes
    /// the runtime (asynchronously) when it is disposed.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options; optional.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, Action<GrainRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider =>
        {
            var options = new GrainRuntimeOptions
            {
                Services = provider,
                LoggerFactory = provider.GetService<ILoggerFactory>(),
                MeterFactory = provider.GetService<IMeterFactory>(),
            };
            configure?.Invoke(options);
            return new GrainRuntime(options);
        });
        services.TryAddSingleton<IGrainFactory>(static provider => provider.GetRequiredService<GrainRuntime>());
        return services;
    }
}
