namespace PinSync.Runtime;

/// <summary>Hands out references to grains by interface and key (implemented by <see cref="GrainRuntime"/>; grains
/// reach it through <see cref="Grain.GrainFactory"/>).</summary>
/// <remarks>Thread-safe.</remarks>
public interface IGrainFactory
{
    /// <summary>A reference to the grain of type <typeparamref name="TGrain"/> with <paramref name="key"/>. The grain is
    /// activated by the first call through any reference, not by this method.</summary>
    /// <typeparam name="TGrain">A grain interface.</typeparam>
    /// <param name="key">The grain's key.</param>
    /// <returns>The reference (cheap; calls through it are queued to the activation).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="TGrain"/> is not a valid grain interface, or no single
    /// grain class implements it.</exception>
    /// <exception cref="ObjectDisposedException">The runtime has been disposed.</exception>
    TGrain GetGrain<TGrain>(string key)
        where TGrain : class, IGrain;
}
