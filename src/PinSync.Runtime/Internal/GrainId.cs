namespace PinSync.Runtime.Internal;

/// <summary>The identity of a grain: its class and its key. One activation at most exists per identity.</summary>
/// <param name="GrainClass">The grain class.</param>
/// <param name="Key">The key.</param>
internal readonly record struct GrainId(Type GrainClass, string Key)
{
    /// <summary><c>Account/alice</c>.</summary>
    public override string ToString() => GrainClass.Name + "/" + Key;
}
