namespace PinSync.Runtime;

/// <summary>
/// Marks a grain interface method whose requests may interleave with any other request of the activation, even on a
/// non-reentrant grain (for example a status query that must answer while a long request awaits).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
public sealed class AlwaysInterleaveAttribute : Attribute
{
}
