using System.Collections.Concurrent;
using System.ComponentModel;
using PinSync.Runtime.Internal;

namespace PinSync.Runtime;

/// <summary>
/// Base class of generated (or hand-written) grain references: a class that implements a grain interface by calling
/// <see cref="InvokeAsync{TArgs, TResult}"/> for each method, with typed arguments and a static delegate that calls
/// the grain method directly — no reflection, no argument array, AOT-friendly. <see cref="Register{TGrain}"/> makes
/// <see cref="GrainRuntime.GetGrain{TGrain}(string)"/> use it instead of the reflection proxy.
/// </summary>
/// <remarks>
/// <para>A method <c>ValueTask&lt;long&gt; Deposit(long amount, CancellationToken ct)</c> becomes
/// <c>InvokeAsync(s_deposit, amount, static (g, a, t) =&gt; ((IAccount)g).Deposit(a, t), ct)</c>; several arguments
/// travel as a value tuple; a <see cref="Task"/>-returning method converts with <c>AsTask()</c>.</para>
/// <para>Infrastructure for the grain-reference generator. Instances are thread-safe (any number of callers at
/// once); registration is thread-safe.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class GrainReference : IGrainReferencePrototype
{
    private static readonly ConcurrentDictionary<Type, Func<GrainReference>> s_factories = new();

    private GrainRuntime? _runtime;
    private GrainId _id;
    private object? _boxedId;
    private Activation? _activation;

    /// <summary>Creates an unbound reference (the runtime binds clones of it to grains).</summary>
    protected GrainReference()
    {
    }

    /// <summary>Makes <paramref name="factory"/> the reference type of <typeparamref name="TGrain"/> in every runtime of
    /// the process (generated code calls this from a module initializer).</summary>
    /// <typeparam name="TGrain">The grain interface.</typeparam>
    /// <param name="factory">Creates an unbound reference that implements <typeparamref name="TGrain"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is <see langword="null"/>.</exception>
    public static void Register<TGrain>(Func<GrainReference> factory)
        where TGrain : class, IGrain
    {
        ArgumentNullException.ThrowIfNull(factory);
        s_factories[typeof(TGrain)] = factory;
    }

    /// <summary>A registered reference for <paramref name="grainInterface"/>, or <see langword="null"/>.</summary>
    internal static GrainReference? TryCreate(Type grainInterface) =>
        s_factories.TryGetValue(grainInterface, out var factory) ? factory() : null;

    /// <summary>Sends a call of a method with a result.</summary>
    /// <typeparam name="TArgs">The arguments (a value tuple for several).</typeparam>
    /// <typeparam name="TResult">The result.</typeparam>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="invoke">Calls the method on the grain (a static lambda).</param>
    /// <param name="cancellationToken">The caller's token, if the method takes one.</param>
    /// <returns>The result, as the grain produced it (its exception unchanged, or a timeout/cancellation). Await it
    /// once: its source is a pooled request that serves later calls (a second await throws
    /// <see cref="InvalidOperationException"/>; use <see cref="ValueTask{TResult}.Preserve"/> to await more).</returns>
    protected ValueTask<TResult> InvokeAsync<TArgs, TResult>(GrainMethodDescriptor method, TArgs args,
        Func<Grain, TArgs, CancellationToken, ValueTask<TResult>> invoke, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        var runtime = Runtime;
        var request = TypedRequest<TArgs, TResult>.Rent(runtime, method, args, invoke, null, GrainCallContext.Current, cancellationToken, out var version);
        Send(runtime, request);
        return new ValueTask<TResult>(request, version);
    }

    /// <summary>Sends a call of a method without a result.</summary>
    /// <typeparam name="TArgs">The arguments (a value tuple for several).</typeparam>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="invoke">Calls the method on the grain (a static lambda).</param>
    /// <param name="cancellationToken">The caller's token, if the method takes one.</param>
    /// <returns>Completes when the grain method did (its exception unchanged, or a timeout/cancellation). Await it
    /// once (see <see cref="InvokeAsync{TArgs, TResult}"/>).</returns>
    protected ValueTask InvokeAsync<TArgs>(GrainMethodDescriptor method, TArgs args,
        Func<Grain, TArgs, CancellationToken, ValueTask> invoke, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        var runtime = Runtime;
        var request = TypedRequest<TArgs, Unit>.Rent(runtime, method, args, null, invoke, GrainCallContext.Current, cancellationToken, out var version);
        Send(runtime, request);
        return new ValueTask(request, version);
    }

    /// <summary>The grain this reference points at (<c>Account/alice</c>).</summary>
    /// <returns>The grain class and key.</returns>
    public override string ToString() => _id.ToString();

    object IGrainReferencePrototype.CloneFor(GrainRuntime runtime, GrainInterfaceInfo info, GrainId id)
    {
        var clone = (GrainReference)MemberwiseClone();
        clone._runtime = runtime;
        clone._id = id;
        clone._boxedId = id;
        clone._activation = null;
        return clone;
    }

    private GrainRuntime Runtime =>
        _runtime ?? throw new InvalidOperationException("This reference is not bound to a grain; get references from GrainRuntime.GetGrain.");

    private void Send<TResult>(GrainRuntime runtime, Request<TResult> request)
    {
        request.Arm(runtime, _boxedId!);
        var activation = _activation;
        if (activation is null || !activation.TrySend(request))
        {
            _activation = runtime.Send(_id, request);
        }
    }
}
