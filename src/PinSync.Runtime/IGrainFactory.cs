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

    /// <summary>A reference to the grain of type <typeparamref name="TGrain"/> with the integer key
    /// <paramref name="primaryKey"/> (Orleans' <c>GetGrain&lt;T&gt;(long)</c>). The key is the grain's identity in its
    /// invariant decimal form, so <c>GetGrain&lt;T&gt;(42)</c> and <c>GetGrain&lt;T&gt;("42")</c> name one grain.</summary>
    /// <typeparam name="TGrain">A grain interface with an integer key.</typeparam>
    /// <param name="primaryKey">The grain's key.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="TGrain"/> is not a valid grain interface, or no single
    /// grain class implements it.</exception>
    /// <exception cref="ObjectDisposedException">The runtime has been disposed.</exception>
    TGrain GetGrain<TGrain>(long primaryKey)
        where TGrain : class, IGrainWithIntegerKey;

    /// <summary>A reference to the grain of type <typeparamref name="TGrain"/> with the <see cref="Guid"/> key
    /// <paramref name="primaryKey"/> (Orleans' <c>GetGrain&lt;T&gt;(Guid)</c>); the identity is the key's <c>"D"</c>
    /// form.</summary>
    /// <typeparam name="TGrain">A grain interface with a <see cref="Guid"/> key.</typeparam>
    /// <param name="primaryKey">The grain's key.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="TGrain"/> is not a valid grain interface, or no single
    /// grain class implements it.</exception>
    /// <exception cref="ObjectDisposedException">The runtime has been disposed.</exception>
    TGrain GetGrain<TGrain>(Guid primaryKey)
        where TGrain : class, IGrainWithGuidKey;
}
