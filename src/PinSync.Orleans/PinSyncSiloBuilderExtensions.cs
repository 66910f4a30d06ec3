using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization.Configuration;
using PinSync.Runtime;

namespace PinSync.Orleans;

/// <summary>
/// Hosts PinSync grains on Orleans: <c>siloBuilder.AddPinSync()</c> adds the call-chain filters that report a call
/// cycle back into a busy non-reentrant grain (A → B → A) at once with PinSync's <see cref="GrainDeadlockException"/>
/// instead of Orleans' response timeout, and lets that exception travel between silos and clients.
/// </summary>
/// <remarks>Grain interfaces, classes and attributes need no mapping: PinSync.Runtime uses Orleans' names
/// (<c>IGrainWithStringKey</c>, <c>Grain</c>, <c>[Reentrant]</c>, <c>[AlwaysInterleave]</c>, <c>[ReadOnly]</c>, ...), so
/// a project selects its host with its global usings (<c>Orleans</c>, <c>Orleans.Concurrency</c>,
/// <c>Orleans.Runtime</c> here; <c>PinSync.Runtime</c> there). See docs/scaling-out.md.</remarks>
public static class PinSyncSiloBuilderExtensions
{
    /// <summary>Adds PinSync's call-chain deadlock report to the silo (an incoming and an outgoing grain-call filter)
    /// and allows <see cref="GrainDeadlockException"/> in messages.</summary>
    /// <param name="builder">The silo builder.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ISiloBuilder AddPinSync(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<CallChainFilter>();
        // One instance serves as both filters (Orleans resolves every registered IIncoming/IOutgoingGrainCallFilter).
        builder.Services.AddSingleton<IIncomingGrainCallFilter>(static services => services.GetRequiredService<CallChainFilter>());
        builder.Services.AddSingleton<IOutgoingGrainCallFilter>(static services => services.GetRequiredService<CallChainFilter>());
        builder.Services.AllowPinSyncExceptions();
        return builder;
    }

    /// <summary>Lets a client receive <see cref="GrainDeadlockException"/> with its type (instead of a fallback).</summary>
    /// <param name="builder">The client builder.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IClientBuilder AddPinSync(this IClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AllowPinSyncExceptions();
        return builder;
    }

    private static void AllowPinSyncExceptions(this IServiceCollection services) =>
        services.Configure<TypeManifestOptions>(static options => options.AllowedTypes.Add(typeof(GrainDeadlockException).FullName!));
}
