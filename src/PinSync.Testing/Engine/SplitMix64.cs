namespace PinSync.Testing.Engine;

/// <summary>
/// A small, fast, seedable pseudo-random generator (Steele, Lea and Flood's SplitMix64) and the 64-bit mixer it is
/// built on; the mixer also derives per-iteration seeds, so that neighbouring seeds give unrelated runs.
/// </summary>
internal struct SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    private ulong _state;

    /// <summary>Creates a generator from <paramref name="seed"/>.</summary>
    internal SplitMix64(ulong seed) => _state = seed;

    /// <summary>The SplitMix64 finalizer: a bijective mix of all 64 bits.</summary>
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The seed of iteration <paramref name="iteration"/> of a run with base seed <paramref name="seed"/>:
    /// seed s, iteration i+1 and seed s+1, iteration i are unrelated.</summary>
    internal static ulong IterationSeed(ulong seed, int iteration) => Mix(Mix(seed) ^ Mix((ulong)iteration + Gamma));

    /// <summary>The next 64 random bits.</summary>
    internal ulong NextUInt64() => Mix(_state += Gamma);

    /// <summary>A uniform integer in [0, <paramref name="bound"/>).</summary>
    internal int Next(int bound) => bound <= 1 ? 0 : (int)((NextUInt64() >> 33) % (ulong)bound);

    /// <summary>A uniform double in [0, 1).</summary>
    internal double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
