using System.Reflection;
using Orleans.Metadata;
using PinSync.Runtime;

namespace PinSync.Orleans;

/// <summary>
/// PinSync's call-chain deadlock check on Orleans. The incoming filter appends the request's hop
/// (<c>grainId.Method</c>) to a chain carried in <see cref="RequestContext"/>, so every call a grain makes carries the
/// chain that led to it; the outgoing filter refuses, with <see cref="GrainDeadlockException"/>, a call into a grain
/// the chain already passes through when that grain would not interleave it (not <c>[Reentrant]</c>, method not
/// <c>[AlwaysInterleave]</c>/<c>[ReadOnly]</c>, no <see cref="RequestContext.AllowCallChainReentrancy"/>): Orleans would
/// queue it behind the request that waits for it, until the response timeout.
/// </summary>
/// <remarks>
/// <para>What it cannot do: deadlocks across independent call chains (A → B ∥ B → A) need the wait-for graph
/// between activations that only PinSync.Runtime keeps; on Orleans they end with the response timeout. Like
/// PinSync.Runtime, the check assumes a grain awaits the calls it makes (a call left running in the background that
/// comes back is reported although it would only have waited).</para>
/// <para>Cost: the chain travels in every message of a chain (a string of its hops). Thread-safe (stateless apart
/// from the resolver's cache).</para>
/// </remarks>
internal sealed class CallChainFilter(GrainPropertiesResolver properties) : IIncomingGrainCallFilter, IOutgoingGrainCallFilter
{
    /// <summary>The <see cref="RequestContext"/> key of the chain: hops separated by new lines, each
    /// <c>grainId\tgrainId.Method</c>.</summary>
    internal const string ChainKey = "pinsync.chain";

    /// <inheritdoc />
    public Task Invoke(IIncomingGrainCallContext context)
    {
        var hop = context.TargetId + "\t" + context.TargetId + "." + context.MethodName;
        var chain = RequestContext.Get(ChainKey) as string;
        RequestContext.Set(ChainKey, chain is null ? hop : chain + "\n" + hop);
        return context.Invoke();
    }

    /// <inheritdoc />
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (RequestContext.Get(ChainKey) is string chain && RequestContext.ReentrancyId == Guid.Empty)
        {
            var target = context.TargetId.ToString();
            var hops = chain.Split('\n');
            if (Array.Exists(hops, hop => hop.AsSpan(0, hop.IndexOf('\t')).SequenceEqual(target)) && !MayInterleave(context))
            {
                var names = hops.Select(hop => hop[(hop.IndexOf('\t') + 1)..]).Append(target + "." + context.MethodName).ToArray();
                return Task.FromException(new GrainDeadlockException(names));
            }
        }

        return context.Invoke();
    }

    private bool MayInterleave(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod is { } method &&
            (method.GetCustomAttribute<global::Orleans.Concurrency.AlwaysInterleaveAttribute>() is not null ||
             method.GetCustomAttribute<global::Orleans.Concurrency.ReadOnlyAttribute>() is not null))
        {
            return true;
        }

        return properties.TryGetGrainProperties(context.TargetId.Type, out var grain) &&
            (grain.Properties.TryGetValue(WellKnownGrainTypeProperties.Reentrant, out var reentrant) && reentrant == "true" ||
             grain.Properties.ContainsKey(WellKnownGrainTypeProperties.MayInterleavePredicate));
    }
}
