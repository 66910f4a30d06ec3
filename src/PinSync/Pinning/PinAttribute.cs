namespace PinSync.Pinning;

/// <summary>
/// Marks a field of a <see cref="PinDataAttribute"/> struct that is structurally pinned: it is built in place by
/// its own <see cref="IPinInit{T, TError}"/> (for example a <c>RawMutex</c> or a <c>ListHead</c>)
/// rather than assigned by value.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class PinAttribute : Attribute;
