using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public interface IChainGrain : IGrain
{
    /// <summary>Calls <c>keys[index]</c>'s <see cref="Call"/> with <c>index + 1</c>; the last key answers "done".</summary>
    ValueTask<string> Call(string[] keys, int index);

    /// <summary>Like <see cref="Call"/>, with call-chain reentrancy allowed for this grain while it waits.</summary>
    ValueTask<string> CallAllowingReentrancy(string[] keys, int index);

    /// <summary>Calls <c>back</c>'s <see cref="Ping"/> via <c>via</c>.</summary>
    ValueTask<string> CallPingThrough(string via, string back);

    ValueTask<string> PingVia(string back);

    [AlwaysInterleave]
    ValueTask<string> Ping();
}

public sealed class ChainGrain : Grain, IChainGrain
{
    public async ValueTask<string> Call(string[] keys, int index)
    {
        if (index >= keys.Length)
        {
            return "done";
        }

        return await GrainFactory.GetGrain<IChainGrain>(keys[index]).Call(keys, index + 1);
    }

    public async ValueTask<string> CallAllowingReentrancy(string[] keys, int index)
    {
        using var scope = GrainCallContext.AllowCallChainReentrancy();
        return await Call(keys, index);
    }

    public async ValueTask<string> CallPingThrough(string via, string back) =>
        await GrainFactory.GetGrain<IChainGrain>(via).PingVia(back);

    public async ValueTask<string> PingVia(string back) => await GrainFactory.GetGrain<IChainGrain>(back).Ping();

    public ValueTask<string> Ping() => new("pong:" + GrainKey);
}
