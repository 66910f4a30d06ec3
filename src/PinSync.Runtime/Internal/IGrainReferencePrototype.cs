namespace PinSync.Runtime.Internal;

/// <summary>A grain reference the runtime clones for each <see cref="GrainRuntime.GetGrain{TGrain}(string)"/> (the
/// reflection proxy or a generated reference).</summary>
internal interface IGrainReferencePrototype
{
    /// <summary>A fresh reference like this one, for <paramref name="id"/>.</summary>
    object CloneFor(GrainRuntime runtime, GrainInterfaceInfo info, GrainId id);
}
