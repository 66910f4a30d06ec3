namespace PinSync.Runtime.Internal;

/// <summary>The result type of grain methods that return <see cref="ValueTask"/> or <see cref="Task"/>.</summary>
internal readonly struct Unit
{
}
