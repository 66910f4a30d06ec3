using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// Deadlocks across independent call chains (A → B ∥ B → A): a wait-for graph between requests, searched by probes
/// that travel from activation to activation as turns (edge chasing, in the manner of Chandy–Misra–Haas), so no
/// activation's state is ever read outside its own turns.
/// </summary>
/// <remarks>
/// <para>The graph. A request queued at an activation (refused by <see cref="MayInvokeRequest"/>) waits for every
/// request running there; a running request waits for the calls it made that have not answered (the same
/// assumption as the call-chain check: grain code awaits the calls it makes). A cycle of such edges never resolves
/// by itself, with or without a request timeout.</para>
/// <para>The search runs backwards along the edges the runtime already has: from a queued request to its caller
/// (<see cref="Request.CallerChain"/>), from a running caller to the requests queued behind it on its activation,
/// from those to their callers, and so on. A probe that reaches a request running on the activation where it
/// started, while the request it started from is still queued there, has closed a cycle. Each hop checks its edge
/// in the turn of the activation that owns it; the edges of a real cycle cannot disappear, so a probe that returns
/// has seen a cycle that exists.</para>
/// <para>When. The last edge to form in any cycle is a call that gets queued, so every queued call made from a
/// grain arms one sweep of its activation (<see cref="DeadlockSweepDelay"/> later, one seam timer per activation,
/// re-armed only by a later queued call); the sweep probes from each such request still queued. The delay keeps
/// probes off the hot path of short waits; under the explorer the timer fires when nothing else can run, so a
/// deadlocked schedule always ends with the report.</para>
/// <para>The report fails every queued request of the cycle with <see cref="GrainDeadlockException"/> naming it, so
/// each chain gets the exception instead of a timeout, and the grains are usable afterwards.</para>
/// </remarks>
internal sealed partial class Activation
{
    /// <summary>How long after a grain-to-grain call is queued its activation looks for a cycle.</summary>
    internal static readonly TimeSpan DeadlockSweepDelay = TimeSpan.FromMilliseconds(20);

    // A probe gives up after this many waiting edges (the longest cycle it reports).
    private const int MaxProbeDepth = 32;

    // Turn-confined: the sweep timer (lazily created) and whether it is armed.
    private DeadlockSweep? _sweep;
    private bool _sweepArmed;

    /// <summary>A request that a grain sent was queued here behind running requests (turn): make sure a sweep looks
    /// at it soon.</summary>
    private void OnChainedRequestQueued()
    {
        if (_sweepArmed)
        {
            return;
        }

        _sweepArmed = true;
        _sweep ??= new DeadlockSweep(this);
        Seam.RegisterTimer(_sweep, Seam.NowTicks() + DeadlockSweepDelay.Ticks);
    }

    /// <summary>The sweep is due (turn): start a probe from every grain-sent request that still waits here.</summary>
    private void Sweep()
    {
        _sweepArmed = false;
        if (_state != ActivationState.Valid || _running.Count == 0)
        {
            return;
        }

        foreach (var queued in _waiting)
        {
            if (queued.CallerChain is { } caller && !queued.IsCompleted)
            {
                var probe = new DeadlockProbe(this, new ProbeHop(this, queued), [new ProbeHop(this, queued)]);
                probe.SendTo(caller);
            }
        }
    }

    /// <summary>A probe arrived (turn): it says the request of <paramref name="caller"/>, running here (if it still is),
    /// waits for the last request of the probe's path. Continue to whoever waits for that caller.</summary>
    private void OnProbe(DeadlockProbe probe, CallChainNode caller)
    {
        if (_state != ActivationState.Valid || !IsRunningHere(caller))
        {
            return; // The caller finished (or never ran here): that edge is gone, no cycle through it.
        }

        if (probe.Origin == this)
        {
            // The caller runs where the probe started, and the request it started from still waits here for it.
            if (probe.Start.IsQueuedOn(this, _waiting))
            {
                ReportCycle(probe.Path, caller.Request);
            }

            return;
        }

        if (probe.Path.Count >= MaxProbeDepth)
        {
            return;
        }

        foreach (var queued in _waiting)
        {
            // Every request queued here waits for the running caller; follow the ones a grain sent.
            if (queued.CallerChain is { } next && !queued.IsCompleted && !probe.Visited(queued))
            {
                probe.Extend(new ProbeHop(this, caller.Request), new ProbeHop(this, queued)).SendTo(next);
            }
        }
    }

    /// <summary>Fails the queued requests of the cycle and logs it. <paramref name="path"/> runs backwards (the
    /// start request, its caller, a request queued behind that caller, its caller, ...); <paramref name="last"/> is
    /// the request running here that the start request waits for.</summary>
    private void ReportCycle(IReadOnlyList<ProbeHop> path, Request last)
    {
        var hops = new List<string>(path.Count + 1) { Name + "." + last.Shape.Name };
        for (var i = path.Count - 1; i >= 0; i--)
        {
            hops.Add(path[i].ToString());
        }

        var deadlock = GrainDeadlockException.AcrossChains(hops);
        _runtime.Metrics.DeadlockReported();
        LogDeadlock(_runtime.Logger, deadlock.Message);

        // Queued hops are at even indexes of the backward path (the start request, then every request found queued).
        // Each names its call by generation: a hop whose call ended since the probe passed it is not failed (its
        // pooled request object may serve another call by now).
        for (var i = 0; i < path.Count; i += 2)
        {
            path[i].Request.Fail(deadlock, path[i].Generation);
        }
    }

    /// <summary>One hop of a probe's path: a call — a request and its <see cref="Request.Generation"/>, read in a
    /// turn that held it — and the activation it runs or waits on.</summary>
    private readonly record struct ProbeHop(Activation Activation, Request Request, int Generation, RequestShape Shape)
    {
        /// <summary>A hop for <paramref name="request"/>, held by <paramref name="activation"/> now (turn: it is queued
        /// or running there).</summary>
        internal ProbeHop(Activation activation, Request request)
            : this(activation, request, request.Generation, request.Shape)
        {
        }

        /// <summary>Whether this call still waits in <paramref name="waiting"/> (a turn of <paramref name="activation"/>):
        /// a request found there is held by the activation, so its generation is stable.</summary>
        internal bool IsQueuedOn(Activation activation, Queue<Request> waiting) =>
            Activation == activation && !Request.IsCompleted && waiting.Contains(Request) && Request.Generation == Generation;

        public override string ToString() => Activation.Name + "." + Shape.Name;
    }

    /// <summary>A probe travelling backwards along wait-for edges; immutable (a fan-out copies the path).</summary>
    private sealed class DeadlockProbe
    {
        private static readonly SendOrPostCallback s_arrive = static state =>
        {
            var (probe, activation, caller) = ((DeadlockProbe, Activation, CallChainNode))state!;
            activation.OnProbe(probe, caller);
        };

        internal DeadlockProbe(Activation origin, ProbeHop start, IReadOnlyList<ProbeHop> path)
        {
            Origin = origin;
            Start = start;
            Path = path;
        }

        /// <summary>The activation the probe started from.</summary>
        internal Activation Origin { get; }

        /// <summary>The queued call the probe started from.</summary>
        internal ProbeHop Start { get; }

        /// <summary>The hops so far, backwards (see <see cref="ReportCycle"/>).</summary>
        internal IReadOnlyList<ProbeHop> Path { get; }

        internal bool Visited(Request request)
        {
            foreach (var hop in Path)
            {
                // The visiting turn holds request, so its generation is stable.
                if (ReferenceEquals(hop.Request, request) && hop.Generation == request.Generation)
                {
                    return true;
                }
            }

            return false;
        }

        internal DeadlockProbe Extend(ProbeHop caller, ProbeHop queued)
        {
            var path = new List<ProbeHop>(Path.Count + 2);
            path.AddRange(Path);
            path.Add(caller);
            path.Add(queued);
            return new DeadlockProbe(Origin, Start, path);
        }

        /// <summary>Posts the probe to the activation of <paramref name="caller"/> (dropped when it is gone).</summary>
        /// <remarks>The activation is read outside its turns (a hint); <see cref="OnProbe"/> checks again there.</remarks>
        internal void SendTo(CallChainNode caller)
        {
            if (caller.Activation is { } activation)
            {
                activation.Scheduler.TryPost(s_arrive, (this, activation, caller));
            }
        }
    }

    /// <summary>The per-activation sweep timer: when due, posts <see cref="Sweep"/> as a turn.</summary>
    private sealed class DeadlockSweep : SchedulingTimer
    {
        private static readonly SendOrPostCallback s_sweep = static state => ((Activation)state!).Sweep();

        private readonly Activation _activation;

        internal DeadlockSweep(Activation activation) => _activation = activation;

        public override string ToString() => "DeadlockSweep " + _activation.Name;

        protected override void OnFire() => _activation.Scheduler.TryPost(s_sweep, _activation);
    }
}
