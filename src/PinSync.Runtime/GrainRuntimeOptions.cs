using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;

namespace PinSync.Runtime;

/// <summary>Configures a <see cref="GrainRuntime"/>. Read once, when the runtime is created.</summary>
/// <remarks>Not thread-safe while being configured; a runtime copies what it needs at construction.</remarks>
public sealed class GrainRuntimeOptions
{
    private readonly Dictionary<Type, Type> _grainTypes = [];

    /// <summary>How long a caller waits for a request's result before it fails with <see cref="TimeoutException"/>
    /// (the grain method's <see cref="CancellationToken"/> is cancelled then too). Default 30 seconds;
    /// <see cref="Timeout.InfiniteTimeSpan"/> for none. Never early; it fires up to about three tenths of the timeout
    /// late (at most 300 ms, and one timer tick more), because one coarse sweep per runtime enforces the timeouts of
    /// all its calls. The timeout runs on the scheduling seam's clock, so under the explorer it is virtual time (and
    /// exact).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative and not infinite.</exception>
    public TimeSpan RequestTimeout
    {
        get;
        set
        {
            ValidateTimeout(value);
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>How long an activation may stay idle (no request queued or running) before the idle collector
    /// deactivates it. Default 15 minutes; <see cref="Timeout.InfiniteTimeSpan"/> turns idle collection off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative and not infinite.</exception>
    public TimeSpan CollectionAge
    {
        get;
        set
        {
            ValidateTimeout(value);
            field = value;
        }
    } = TimeSpan.FromMinutes(15);

    /// <summary>How often the idle collector looks for idle activations. Default 1 minute.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan CollectionQuantum
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMinutes(1);

    /// <summary>Backpressure: the most requests one activation may have queued or running; a request past it fails
    /// with <see cref="GrainQueueFullException"/>. Default 10,000. Timer ticks do not count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxPendingRequestsPerActivation
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 10_000;

    /// <summary>How long one activation may keep a thread-pool thread while it drains its queue before it yields the
    /// thread to other work (the scheduling quantum of Orleans' <c>WorkItemGroup</c>). Default 2 ms.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan TurnQuantum
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMilliseconds(2);

    /// <summary>A turn that runs longer than this is logged as a warning (it blocks its activation and a pool thread).
    /// Default 1 second.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan LongTurnWarning
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(1);

    /// <summary>Use registered grain references (emitted by PinSync's source generator, or hand-written) when there
    /// are ones; <see langword="false"/> always uses the reflection proxy (<c>DispatchProxy</c>). Default
    /// <see langword="true"/>.</summary>
    public bool UseGeneratedReferences { get; set; } = true;

    /// <summary>How many idle request objects the runtime keeps per request type (a grain call's request — its
    /// value-task source, timeout link and cancellation registration — is pooled and reused once its caller has the
    /// answer). Default 1,024, which covers about that many calls in flight per method signature; memory kept is at
    /// most this many requests (about 250 bytes each) per signature, and only as many as were in flight at once.
    /// 0 turns pooling off (a request per call, as before pooling). Ignored by a custom
    /// <see cref="RequestPoolProvider"/> (which sizes its pools itself), except that 0 still turns pooling off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int RequestPoolSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 1024;

    /// <summary>Makes the runtime's request pools (<c>Microsoft.Extensions.ObjectPool</c>), one per request type;
    /// <see langword="null"/>: a <see cref="DefaultObjectPoolProvider"/> that keeps <see cref="RequestPoolSize"/>
    /// requests per type. Set it to watch or bound the pools (for example
    /// <c>LeakTrackingObjectPoolProvider</c> in tests). Not taken from dependency injection by
    /// <see cref="GrainServiceCollectionExtensions.AddGrainRuntime"/>: ASP.NET Core registers a provider that keeps
    /// twice the processor count, too few for a grain runtime's calls in flight; pass
    /// <c>provider.GetService&lt;ObjectPoolProvider&gt;()</c> in the configure callback to use it anyway.</summary>
    public ObjectPoolProvider? RequestPoolProvider { get; set; }

    /// <summary>Services for grain constructors (constructor injection through <c>ActivatorUtilities</c>);
    /// <see langword="null"/>: grain classes need a public parameterless constructor.</summary>
    public IServiceProvider? Services { get; set; }

    /// <summary>Where the runtime logs; <see langword="null"/> for none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Creates the runtime's <see cref="Meter"/> (<c>PinSync.Runtime</c>); <see langword="null"/>: the runtime
    /// creates its own meter.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Explicit interface-to-class mappings (see <see cref="AddGrainType{TInterface, TGrain}"/>).</summary>
    internal IReadOnlyDictionary<Type, Type> GrainTypes => _grainTypes;

    /// <summary>Maps <typeparamref name="TInterface"/> to <typeparamref name="TGrain"/>. Needed only when several
    /// loaded grain classes implement the interface, or when the class's assembly is not loaded yet.</summary>
    /// <typeparam name="TInterface">The grain interface.</typeparam>
    /// <typeparam name="TGrain">The grain class.</typeparam>
    /// <returns>These options, for chaining.</returns>
    public GrainRuntimeOptions AddGrainType<TInterface,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TGrain>()
        where TInterface : class, IGrain
        where TGrain : Grain, TInterface
    {
        _grainTypes[typeof(TInterface)] = typeof(TGrain);
        return this;
    }

    private static void ValidateTimeout(TimeSpan value)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Must be non-negative or Timeout.InfiniteTimeSpan.");
        }
    }
}
