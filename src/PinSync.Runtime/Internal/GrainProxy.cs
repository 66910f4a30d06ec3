using System.Reflection;

namespace PinSync.Runtime.Internal;

/// <summary>
/// The grain reference handed out by <see cref="GrainRuntime.GetGrain{TGrain}(string)"/>: a
/// <see cref="DispatchProxy"/> that turns every interface call into a request for the grain's activation.
/// </summary>
/// <remarks>
/// <para>Interim mechanism (reflection, not AOT-friendly): each call costs the proxy's argument array, a dictionary
/// lookup of the method, a pooled <see cref="Request{TResult}"/>, and a <see cref="MethodInvoker"/> call on the grain
/// side. A source-generated proxy would remove the lookup, the array and the reflection call.</para>
/// <para>The proxy caches the activation it last reached; when that activation is gone it asks the runtime again.
/// Thread-safe: the cache is a single reference, read and written without a lock (a stale value only costs a
/// retry).</para>
/// </remarks>
internal class GrainProxy : DispatchProxy, IGrainReferencePrototype
{
    private GrainRuntime? _runtime;
    private GrainInterfaceInfo? _info;
    private GrainId _id;
    private Activation? _activation;
    private object? _boxedId;

    /// <summary>Creates an uninitialized proxy (called by <see cref="DispatchProxy"/>).</summary>
    public GrainProxy()
    {
    }

    /// <summary>A new reference like this one (a prototype made by <see cref="DispatchProxy.Create{T, TProxy}"/>) for
    /// <paramref name="id"/>. Cloning skips the generator's type lookup: about 20 ns instead of about 800.</summary>
    public object CloneFor(GrainRuntime runtime, GrainInterfaceInfo info, GrainId id)
    {
        var clone = (GrainProxy)MemberwiseClone();
        clone._activation = null;
        clone.Initialize(runtime, info, id);
        return clone;
    }

    internal void Initialize(GrainRuntime runtime, GrainInterfaceInfo info, GrainId id)
    {
        _runtime = runtime;
        _info = info;
        _id = id;
        _boxedId = id;
    }

    /// <summary>Queues <paramref name="request"/> to the grain's activation (activating it if needed).</summary>
    internal void Send(Request request)
    {
        var activation = _activation;
        if (activation is null || !activation.TrySend(request))
        {
            _activation = _runtime!.Send(_id, request);
        }
    }

    /// <summary>The target grain (boxed only when a message needs it).</summary>
    internal object Target => _boxedId!;

    /// <summary>The runtime (its request timeout and the sweep that enforces it).</summary>
    internal GrainRuntime Runtime => _runtime!;

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return _info![targetMethod].Send(this, args ?? []);
    }

    /// <summary><c>IAccount → Account/alice</c>.</summary>
    /// <returns>The grain's interface and identity.</returns>
    public override string ToString() => _info!.Type.Name + " -> " + _id;
}
