namespace PinSync.Runtime;

/// <summary>A grain interface whose grains are identified by a 64-bit integer (Orleans' <c>IGrainWithIntegerKey</c>):
/// get references with <see cref="IGrainFactory.GetGrain{TGrain}(long)"/>, read the key with
/// <see cref="GrainExtensions.GetPrimaryKeyLong(Grain)"/>.</summary>
public interface IGrainWithIntegerKey : IGrain
{
}
