namespace PinSync.Runtime;

/// <summary>
/// Makes a grain class reentrant: while one request awaits, turns of other requests may run. Turns still never run
/// on two threads at once; only their interleaving at <c>await</c> points changes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class ReentrantAttribute : Attribute
{
}
