using System.Runtime.InteropServices;

namespace PinSync.Pinning;

/// <summary>
/// The error type of an initializer that cannot fail, the counterpart of Rust's <c>core::convert::Infallible</c>.
/// </summary>
/// <remarks>
/// C# has no uninhabited types, so <see cref="Infallible"/> is an empty struct that by convention is never produced:
/// an <see cref="IPinInit{T, TError}"/> with this error type always returns <see langword="true"/>, and callers may
/// rely on that (<c>PinBox&lt;T&gt;.Create</c> and <c>PinInit.InPlace</c> overloads for infallible initializers do
/// not check for failure). An initializer that returns <see langword="false"/> with this error type breaks that
/// contract; the library treats it as a bug and throws <see cref="InvalidOperationException"/> where it notices.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Size = 1)]
public readonly struct Infallible
{
    /// <summary>Returns a fixed text, for messages that print an error generically.</summary>
    /// <returns>The text <c>"Infallible"</c>.</returns>
    public override string ToString() => nameof(Infallible);
}
