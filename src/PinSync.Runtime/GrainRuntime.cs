using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.ObjectPool;
using PinSync.Runtime.Internal;

namespace PinSync.Runtime;

/// <summary>
/// An in-process, Orleans-style grain runtime: hands out grain references, activates grains on their first call,
/// runs each activation one turn at a time, reports call-cycle deadlocks at once, collects idle activations, and
/// deactivates everything when disposed.
/// </summary>
/// <remarks>
/// <para>
/// <c>await using var runtime = new GrainRuntime();</c> then <c>runtime.GetGrain&lt;IAccount&gt;("alice")</c>. Grain
/// interfaces extend <see cref="IGrain"/>; the implementing class (deriving from <see cref="Grain"/>) is found in the
/// loaded assemblies, or mapped with <see cref="GrainRuntimeOptions.AddGrainType{TInterface, TGrain}"/>.
/// </para>
/// <para>
/// Every dispatch goes through PinSync's scheduling seam (turns are seam work items, timeouts and timers are seam
/// timers), so a runtime created inside an explorer run is scheduled by the explorer, deterministically.
/// </para>
/// <para>Thread-safe, except that <see cref="DisposeAsync"/> should be called once, after the callers are done (calls
/// made afterwards fail with <see cref="ObjectDisposedException"/>).</para>
/// </remarks>
public sealed partial class GrainRuntime : IGrainFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<GrainId, Activation> _directory = new();
    private readonly ConcurrentDictionary<Type, (GrainInterfaceInfo Info, IGrainReferencePrototype Prototype)> _interfaces = new();
    private readonly Dictionary<Type, GrainClassInfo> _classes = [];
    private readonly Lock _classesLock = new();
    private readonly IReadOnlyDictionary<Type, Type> _explicitTypes;
    private readonly Func<GrainId, GrainClassInfo, Activation> _createActivation;
    private readonly IdleCollector? _collector;
    private readonly bool _useGeneratedReferences;
    private readonly ObjectPoolProvider? _requestPoolProvider;
    private readonly ConcurrentDictionary<Type, object> _requestPools = new();
    private Task? _disposal;

    // 0 = running, 1 = disposed (or disposing).
    private int _disposed;

    /// <summary>Creates a runtime with the default options.</summary>
    public GrainRuntime()
        : this(new GrainRuntimeOptions())
    {
    }

    /// <summary>Creates a runtime configured by <paramref name="options"/> (read once, now).</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public GrainRuntime(GrainRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequestTimeout = options.RequestTimeout;
        Deadlines = options.RequestTimeout == Timeout.InfiniteTimeSpan ? null : new RequestDeadlines(options.RequestTimeout);
        MaxPendingRequests = options.MaxPendingRequestsPerActivation;
        TurnQuantumTicks = options.TurnQuantum.Ticks;
        LongTurnTicks = options.LongTurnWarning.Ticks;
        CollectionAgeTicks = options.CollectionAge == Timeout.InfiniteTimeSpan ? long.MaxValue : options.CollectionAge.Ticks;
        Services = options.Services;
        _useGeneratedReferences = options.UseGeneratedReferences;
        _requestPoolProvider = options.RequestPoolSize == 0
            ? null
            : options.RequestPoolProvider ?? new DefaultObjectPoolProvider { MaximumRetained = options.RequestPoolSize };
        Logger = options.LoggerFactory?.CreateLogger("PinSync.Runtime") ?? NullLogger.Instance;
        Metrics = new RuntimeMetrics(options.MeterFactory);
        _explicitTypes = new Dictionary<Type, Type>(options.GrainTypes);
        _createActivation = (id, grainClass) => new Activation(this, id, grainClass);
        if (options.CollectionAge != Timeout.InfiniteTimeSpan)
        {
            _collector = new IdleCollector(this, options.CollectionQuantum.Ticks);
            _collector.Start();
        }
    }

    /// <summary>The number of live activations (a snapshot).</summary>
    public int ActivationCount => _directory.Count;

    /// <summary>The live activations (a snapshot; for tests).</summary>
    internal ICollection<Activation> Activations => _directory.Values;

    internal TimeSpan RequestTimeout { get; }

    /// <summary>The sweep that enforces <see cref="RequestTimeout"/>; <see langword="null"/> when it is infinite.</summary>
    internal RequestDeadlines? Deadlines { get; }

    internal int MaxPendingRequests { get; }

    internal long TurnQuantumTicks { get; }

    internal long LongTurnTicks { get; }

    internal long CollectionAgeTicks { get; }

    internal IServiceProvider? Services { get; }

    internal ILogger Logger { get; }

    internal RuntimeMetrics Metrics { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>This runtime's pool of <typeparamref name="TRequest"/> (one per closed request type, made on first
    /// use by <see cref="GrainRuntimeOptions.RequestPoolProvider"/>); <see langword="null"/> when pooling is off.</summary>
    internal ObjectPool<TRequest>? RequestPool<TRequest>()
        where TRequest : class, new()
    {
        if (_requestPoolProvider is not { } provider)
        {
            return null;
        }

        if (_requestPools.TryGetValue(typeof(TRequest), out var pool))
        {
            return (ObjectPool<TRequest>)pool;
        }

        return (ObjectPool<TRequest>)_requestPools.GetOrAdd(typeof(TRequest),
            static (_, provider) => provider.Create(new RequestPoolPolicy<TRequest>()), provider);
    }

    /// <inheritdoc />
    public TGrain GetGrain<TGrain>(string key)
        where TGrain : class, IGrain
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var (info, prototype) = _interfaces.GetOrAdd(typeof(TGrain), static (type, runtime) =>
        {
            // A registered (generated) reference when there is one; the reflection proxy otherwise.
            var info = runtime.Describe(type);
            var generated = runtime._useGeneratedReferences ? GrainReference.TryCreate(type) : null;
            return (info, (IGrainReferencePrototype?)generated ??
                (GrainProxy)(object)DispatchProxy.Create<TGrain, GrainProxy>());
        }, this);
        return (TGrain)(object)prototype.CloneFor(this, info, new GrainId(info.Class.Type, key));
    }

    /// <inheritdoc />
    public TGrain GetGrain<TGrain>(long primaryKey)
        where TGrain : class, IGrainWithIntegerKey =>
        GetGrain<TGrain>(primaryKey.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public TGrain GetGrain<TGrain>(Guid primaryKey)
        where TGrain : class, IGrainWithGuidKey =>
        GetGrain<TGrain>(primaryKey.ToString("D"));

    /// <summary>Deactivates every activation (running requests finish first, then
    /// <see cref="Grain.OnDeactivateAsync"/> runs) and stops the idle collector. Calls made afterwards fail with
    /// <see cref="ObjectDisposedException"/>. Calling it again returns the same work.</summary>
    /// <returns>A task that completes when every activation is gone.</returns>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return new ValueTask(Volatile.Read(ref _disposal) ?? Task.CompletedTask);
        }

        var disposal = DisposeCoreAsync();
        Volatile.Write(ref _disposal, disposal);
        return new ValueTask(disposal);
    }

    private async Task DisposeCoreAsync()
    {
        _collector?.Stop();
        while (!_directory.IsEmpty)
        {
            var departing = new List<Task>();
            foreach (var activation in _directory.Values)
            {
                activation.RequestDeactivation(DeactivationReason.RuntimeShutdown);
                departing.Add(activation.Deactivated);
            }

            await Task.WhenAll(departing);
        }

        Metrics.Dispose();
    }

    /// <summary>Sends <paramref name="request"/> to the current activation of <paramref name="id"/>, creating it when
    /// there is none; fails the request when the runtime is disposed.</summary>
    /// <returns>The activation that took the request (the proxy caches it), or <see langword="null"/>.</returns>
    internal Activation? Send(GrainId id, Request request)
    {
        while (true)
        {
            if (IsDisposed)
            {
                request.Fail(new ObjectDisposedException(nameof(GrainRuntime)));
                request.Release();
                return null;
            }

            if (!_directory.TryGetValue(id, out var activation))
            {
                activation = _directory.GetOrAdd(id, static (key, state) => state.Runtime._createActivation(key, state.Class),
                    (Runtime: this, Class: ClassOf(id.GrainClass)));
            }

            // Queue the request before the activation turn: if activation fails, the request is among those that
            // waited for it (and fails with it) instead of racing the failure and landing on a retry.
            if (activation.TrySend(request))
            {
                activation.EnsureStarted();
                return activation;
            }

            // That activation closed after leaving the directory: look again.
        }
    }

    /// <summary>Re-sends a request that reached a departed activation.</summary>
    internal void Forward(GrainId id, Request request) => Send(id, request);

    /// <summary>Removes <paramref name="activation"/> from the directory (if it is still the registered one).</summary>
    internal void RemoveActivation(Activation activation) =>
        _directory.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));

    private GrainInterfaceInfo Describe(Type grainInterface)
    {
        var grainClass = GrainTypeResolver.Resolve(grainInterface, _explicitTypes);
        lock (_classesLock)
        {
            // One GrainClassInfo per class, whichever interface found it.
            if (!_classes.TryGetValue(grainClass.Type, out var known))
            {
                _classes[grainClass.Type] = known = grainClass;
            }

            return GrainInterfaceInfo.Create(grainInterface, known);
        }
    }

    private GrainClassInfo ClassOf(Type grainClass)
    {
        lock (_classesLock)
        {
            return _classes[grainClass];
        }
    }
}
