namespace PinSync.Runtime;

/// <summary>A grain interface whose grains are identified by a string (Orleans' <c>IGrainWithStringKey</c>): get
/// references with <see cref="IGrainFactory.GetGrain{TGrain}(string)"/>, read the key with
/// <see cref="GrainExtensions.GetPrimaryKeyString(Grain)"/>.</summary>
/// <remarks>Deriving from it instead of <see cref="IGrain"/> is what lets the same interface compile against
/// Orleans.</remarks>
public interface IGrainWithStringKey : IGrain
{
}
