using System.Diagnostics;
// One alias, not the namespace: PinSync.Runtime also has Grain, IGrainWithStringKey, ... (the names Orleans has).
using GrainDeadlockException = PinSync.Runtime.GrainDeadlockException;

namespace PinSync.Orleans.Tests;

/// <summary>PinSync's call-chain deadlock report on Orleans (the filters of AddPinSync): A → B → A fails at once with
/// GrainDeadlockException instead of Orleans' response timeout; reentrant and interleaving calls still run.</summary>
public sealed class CallChainFilterTests
{
    [Fact]
    public async Task Call_CycleBackToNonReentrantGrain_GrainDeadlockExceptionBeforeTheResponseTimeout()
    {
        await using var cluster = await Clusters.StartAsync(silos: 2);
        try
        {
            var a = cluster.Client.GetGrain<IHopGrain>("a");
            await a.Ping(); // activated, so the figure below is the report only

            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<GrainDeadlockException>(() => a.Call(["a", "b", "a"], 1));
            watch.Stop();

            Assert.True(watch.Elapsed < Clusters.ResponseTimeout, $"reported after {watch.Elapsed} (a timeout, not the report)");
            Assert.Contains("hop/a.Call -> hop/b.Call -> hop/a.Call", error.Message, StringComparison.Ordinal);

            // Interleaving methods and reentrant grains are not reported.
            Assert.Equal("pong", await a.CallPingVia("b"));
            Assert.Equal("done", await cluster.Client.GetGrain<IReentrantHopGrain>("r").Call(["r", "s", "r"], 1));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
        }
    }
}

public interface IHopGrain : IGrainWithStringKey
{
    Task<string> Call(string[] keys, int index);

    /// <summary>Calls <paramref name="via"/>, which calls back this grain's <see cref="Ping"/>.</summary>
    Task<string> CallPingVia(string via);

    Task<string> PingBack(string back);

    [AlwaysInterleave]
    Task<string> Ping();
}

public interface IReentrantHopGrain : IGrainWithStringKey
{
    Task<string> Call(string[] keys, int index);
}

public sealed class HopGrain : Grain, IHopGrain
{
    public Task<string> Call(string[] keys, int index) =>
        index >= keys.Length ? Task.FromResult("done") : GrainFactory.GetGrain<IHopGrain>(keys[index]).Call(keys, index + 1);

    public Task<string> CallPingVia(string via) => GrainFactory.GetGrain<IHopGrain>(via).PingBack(this.GetPrimaryKeyString());

    public Task<string> PingBack(string back) => GrainFactory.GetGrain<IHopGrain>(back).Ping();

    public Task<string> Ping() => Task.FromResult("pong");
}

[Reentrant]
public sealed class ReentrantHopGrain : Grain, IReentrantHopGrain
{
    public Task<string> Call(string[] keys, int index) =>
        index >= keys.Length ? Task.FromResult("done") : GrainFactory.GetGrain<IReentrantHopGrain>(keys[index]).Call(keys, index + 1);
}
