namespace PinSync.Runtime;

/// <summary>A grain interface whose grains are identified by a <see cref="Guid"/> (Orleans' <c>IGrainWithGuidKey</c>):
/// get references with <see cref="IGrainFactory.GetGrain{TGrain}(Guid)"/>, read the key with
/// <see cref="GrainExtensions.GetPrimaryKey(Grain)"/>.</summary>
public interface IGrainWithGuidKey : IGrain
{
}
