using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// One activation of a grain (the local, small counterpart of Orleans' <c>ActivationData</c>): the grain instance,
/// its turn queue (<see cref="ActivationScheduler"/>), the requests it runs and the ones that wait, and its
/// lifecycle.
/// </summary>
/// <remarks>
/// <para>Implementation notes. Everything about admission — <see cref="_state"/>, <see cref="_running"/>,
/// <see cref="_waiting"/>, <see cref="_forward"/>, <see cref="_timers"/> — is confined to the activation's turns: it
/// is read and written only by code running on <see cref="Scheduler"/>, which runs one turn at a time, so it needs
/// no lock. Other threads reach the activation only through <see cref="TrySend"/> (a post to the scheduler) and the
/// two counters read by the idle collector (<see cref="_pending"/>, <see cref="_lastActiveTicks"/>).</para>
/// <para>States: Created → Activating (<see cref="Grain.OnActivateAsync"/> runs; requests wait) → Valid (requests
/// are admitted by <see cref="MayInvokeRequest"/>) → Deactivating (running requests finish, new ones are kept for
/// forwarding, <see cref="Grain.OnDeactivateAsync"/> runs) → Invalid (removed from the directory, scheduler closed,
/// kept requests forwarded to a fresh activation). A failed activation goes from Activating to Invalid and fails the
/// requests that waited for it.</para>
/// </remarks>
internal sealed partial class Activation
{
    private readonly GrainRuntime _runtime;
    private readonly GrainClassInfo _class;
    private readonly SendOrPostCallback _onArrived;
    private readonly SeamSignal _deactivated = new();

    // Turn-confined (see remarks).
    private ActivationState _state;
    private readonly List<Request> _running = new(1);
    private readonly Queue<Request> _waiting = new();
    private List<Request>? _forward;
    private List<GrainTimer>? _timers;
    private Grain? _grain;
    private bool _deactivateOnIdle;
    private DeactivationReason? _deactivateAfterActivation;
    private DeactivationReason _deactivationReason;
    private Exception? _activationFailure;

    // 0 until EnsureStarted posted the activation turn; then 1.
    private int _started;

    // Grain calls queued or running (not timer ticks); Interlocked. Backpressure and idleness read it.
    private int _pending;

    // Seam ticks of the last finished grain call; written in turns, read by the idle collector.
    private long _lastActiveTicks;

    internal Activation(GrainRuntime runtime, GrainId id, GrainClassInfo grainClass)
    {
        _runtime = runtime;
        _class = grainClass;
        Id = id;
        Name = id.ToString();
        Scheduler = new ActivationScheduler(runtime, Name);
        _onArrived = OnArrived;
    }

    /// <summary>The grain's identity.</summary>
    internal GrainId Id { get; }

    /// <summary><c>Account/alice</c>, for call chains and logs.</summary>
    internal string Name { get; }

    /// <summary>The turn queue.</summary>
    internal ActivationScheduler Scheduler { get; }

    /// <summary>The runtime.</summary>
    internal GrainRuntime Runtime => _runtime;

    /// <summary>Completes when the activation is gone (deactivated, or its activation failed).</summary>
    internal Task Deactivated => _deactivated.Task;

    /// <summary>Posts the activation turn once (the directory may create activations that lose a race and never start).</summary>
    internal void EnsureStarted()
    {
        if (Volatile.Read(ref _started) == 0 && Interlocked.CompareExchange(ref _started, 1, 0) == 0)
        {
            _lastActiveTicks = Seam.NowTicks();
            _runtime.Metrics.ActivationCreated();
            Scheduler.TryPost(static state => _ = ((Activation)state!).ActivateAsync(), this);
        }
    }

    /// <summary>
    /// Queues <paramref name="request"/> to this activation. Any thread. A request past the backpressure limit is
    /// failed with <see cref="GrainQueueFullException"/> (and counts as sent).
    /// </summary>
    /// <returns><see langword="false"/> when the activation is gone; the caller asks the runtime for a new one.</returns>
    internal bool TrySend(Request request)
    {
        if (request.IsCall)
        {
            var limit = _runtime.MaxPendingRequests;
            if (Interlocked.Increment(ref _pending) > limit)
            {
                Interlocked.Decrement(ref _pending);
                Reject(request, limit);
                return true;
            }
        }

        if (!Scheduler.TryPost(_onArrived, request))
        {
            if (request.IsCall)
            {
                Interlocked.Decrement(ref _pending);
            }

            return false;
        }

        _runtime.Metrics.RequestQueued();
        return true;
    }

    /// <summary>Whether the idle collector may deactivate this activation now (a hint; the turn re-checks).</summary>
    internal bool IsIdle(long now, long ageTicks) =>
        Volatile.Read(ref _started) != 0 && Volatile.Read(ref _pending) == 0 && now - Volatile.Read(ref _lastActiveTicks) >= ageTicks;

    /// <summary>Counts now as activity for idle collection (a keep-alive timer tick finished; turn).</summary>
    internal void MarkActive() => Volatile.Write(ref _lastActiveTicks, Seam.NowTicks());

    /// <summary>Seam ticks of the last activity (a finished call, or a keep-alive tick); for tests and the collector.</summary>
    internal long LastActiveTicks => Volatile.Read(ref _lastActiveTicks);

    /// <summary>Asks the activation to deactivate (from any thread); it does so in a turn of its own.</summary>
    internal void RequestDeactivation(DeactivationReason reason)
    {
        if (!Scheduler.TryPost(static state => ((DeactivationRequest)state!).Run(), new DeactivationRequest(this, reason)))
        {
            // Closed: it is already gone.
            return;
        }
    }

    private void Reject(Request request, int limit)
    {
        _runtime.Metrics.RequestRejected();
        request.Fail(new GrainQueueFullException(SR.QueueFull(Name, limit, request.Shape.Name)));

        // Never posted: the activation's hold ends here.
        request.Release();
    }

    /// <summary>A deactivation asked for from outside a turn.</summary>
    private sealed record DeactivationRequest(Activation Activation, DeactivationReason Reason)
    {
        internal void Run() => Activation.StartDeactivation(Reason);
    }
}
