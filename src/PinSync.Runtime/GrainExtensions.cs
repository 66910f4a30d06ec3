using System.Globalization;

namespace PinSync.Runtime;

/// <summary>The key accessors of Orleans' <c>GrainExtensions</c>, for grain code that runs on either host:
/// <c>this.GetPrimaryKeyString()</c>, <c>this.GetPrimaryKeyLong()</c>, <c>this.GetPrimaryKey()</c>.</summary>
/// <remarks>Thread-safe (the key never changes after activation).</remarks>
public static class GrainExtensions
{
    /// <summary>The grain's key as a string (the <c>"alice"</c> of <c>GetGrain&lt;T&gt;("alice")</c>; an integer or
    /// <see cref="Guid"/> key in its invariant text form).</summary>
    /// <param name="grain">The grain (<see langword="this"/> in grain code).</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="grain"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">Called in the constructor, before activation.</exception>
    public static string GetPrimaryKeyString(this Grain grain)
    {
        ArgumentNullException.ThrowIfNull(grain);
        return grain.PrimaryKeyText;
    }

    /// <summary>The grain's integer key (<c>GetGrain&lt;T&gt;(42)</c>).</summary>
    /// <param name="grain">The grain (<see langword="this"/> in grain code).</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="grain"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The key is not an integer, or called before activation.</exception>
    public static long GetPrimaryKeyLong(this Grain grain)
    {
        ArgumentNullException.ThrowIfNull(grain);
        var key = grain.PrimaryKeyText;
        return long.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"The key '{key}' of {grain.GetType().Name} is not an integer key.");
    }

    /// <summary>The grain's <see cref="Guid"/> key (<c>GetGrain&lt;T&gt;(guid)</c>).</summary>
    /// <param name="grain">The grain (<see langword="this"/> in grain code).</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="grain"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The key is not a <see cref="Guid"/>, or called before activation.</exception>
    public static Guid GetPrimaryKey(this Grain grain)
    {
        ArgumentNullException.ThrowIfNull(grain);
        var key = grain.PrimaryKeyText;
        return Guid.TryParse(key, out var value)
            ? value
            : throw new InvalidOperationException($"The key '{key}' of {grain.GetType().Name} is not a Guid key.");
    }
}
