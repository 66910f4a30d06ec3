namespace PinSync.Runtime;

/// <summary>
/// Marks a grain interface method that does not change the grain's state: requests of read-only methods may
/// interleave with each other (never with other requests) on a non-reentrant grain.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
public sealed class ReadOnlyAttribute : Attribute
{
}
