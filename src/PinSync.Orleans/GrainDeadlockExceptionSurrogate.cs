using PinSync.Runtime;

namespace PinSync.Orleans;

/// <summary>How <see cref="GrainDeadlockException"/> travels between silos and clients (Orleans has no codec for a
/// foreign exception type): its message, its call chain and whether the cycle ran across chains.</summary>
[GenerateSerializer]
[Alias("PinSync.GrainDeadlockException")]
internal struct GrainDeadlockExceptionSurrogate
{
    /// <summary>The report.</summary>
    [Id(0)]
    public string Message;

    /// <summary>The hops of the cycle.</summary>
    [Id(1)]
    public string[] CallChain;

    /// <summary><see cref="GrainDeadlockException.IsAcrossChains"/>.</summary>
    [Id(2)]
    public bool IsAcrossChains;
}

/// <summary>Converts <see cref="GrainDeadlockException"/> to and from its surrogate (registered with Orleans'
/// serializer by the <c>[RegisterConverter]</c> attribute).</summary>
[RegisterConverter]
internal sealed class GrainDeadlockExceptionConverter : IConverter<GrainDeadlockException, GrainDeadlockExceptionSurrogate>
{
    /// <inheritdoc />
    public GrainDeadlockException ConvertFromSurrogate(in GrainDeadlockExceptionSurrogate surrogate) =>
        new(surrogate.Message, surrogate.CallChain ?? [], surrogate.IsAcrossChains);

    /// <inheritdoc />
    public GrainDeadlockExceptionSurrogate ConvertToSurrogate(in GrainDeadlockException value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new GrainDeadlockExceptionSurrogate
        {
            Message = value.Message,
            CallChain = [.. value.CallChain],
            IsAcrossChains = value.IsAcrossChains,
        };
    }
}
