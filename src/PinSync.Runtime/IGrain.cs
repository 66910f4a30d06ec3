namespace PinSync.Runtime;

/// <summary>
/// Marker of grain interfaces. A grain interface extends <see cref="IGrain"/> and declares only methods that return
/// <see cref="ValueTask"/>, <see cref="ValueTask{TResult}"/>, <see cref="Task"/> or <see cref="Task{TResult}"/>,
/// optionally taking a <see cref="CancellationToken"/> as the last parameter. A class that derives from
/// <see cref="Grain"/> implements it; <see cref="GrainRuntime.GetGrain{TGrain}(string)"/> finds that class itself.
/// </summary>
/// <remarks>References obtained from <see cref="GrainRuntime.GetGrain{TGrain}(string)"/> are thread-safe: any
/// number of callers may call through one reference at once.</remarks>
public interface IGrain
{
}
