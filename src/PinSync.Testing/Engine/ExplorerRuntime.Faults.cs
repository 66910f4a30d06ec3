using PinSync.Scheduling;

namespace PinSync.Testing.Engine;

/// <summary>
/// Fault injection (<see cref="ExplorerOptions.Faults"/>) and the invariant checks of the primitives an iteration
/// created (<see cref="ExplorerOptions.CheckInvariants"/>).
/// </summary>
/// <remarks>
/// Implementation notes. While faults are on and the iteration has injected fewer than its limit, every parked
/// operation is also offered as a fault candidate (its negated id, after the operations and before the timer), but
/// only at decisions where some operation can run: when nothing can run the explorer reports the deadlock rather
/// than break it. Choosing a fault makes the target runnable with a pending exception, which its park throws when it
/// resumes; then the strategy decides again (as after a timer fires), so "injected but not yet resumed" races are
/// explored too. The decision is recorded like any other (<c>~id</c> in the trace) and replayed exactly. An injected
/// exception that escapes a flow cuts the flow short: its task completes and no bug is reported; the primitives are
/// checked instead.
/// </remarks>
internal sealed partial class ExplorerRuntime
{
    private readonly List<PrimitiveProbe> _probes = [];
    private readonly HashSet<Exception> _injected = new(ReferenceEqualityComparer.Instance);
    private FaultInjection _faults;
    private int _maxFaults;
    private bool _checkInvariants;
    private int _faultsInjected;

    /// <inheritdoc />
    public override void OnPrimitiveCreated(PrimitiveProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (_checkInvariants && !_finished && Worker.Current?.Operation?.Runtime == this)
        {
            _probes.Add(probe);
        }
    }

    /// <inheritdoc />
    public override bool IsEnding => _aborting || _finished || Worker.Current?.Operation is { Aborting: true };

    /// <inheritdoc />
    public override void OnInterruptPending()
    {
        // Never a real interrupt: it would hit a worker's gate. The operation's next park throws it instead. It stems
        // from an injected fault (the only interrupts under the explorer), so escaping a flow it cuts the flow short.
        if (Worker.Current?.Operation is { Runtime: var runtime } current && runtime == this && current.PendingFault is null)
        {
            var interrupt = new ThreadInterruptedException($"An interrupt {current} absorbed earlier, kept pending for its next wait.");
            _injected.Add(interrupt);
            current.PendingFault = interrupt;
        }
    }

    private void ConfigureFaults(ExplorerOptions options)
    {
        _faults = options.Faults;
        _maxFaults = options.MaxFaultsPerIteration;
        _checkInvariants = options.CheckInvariants ?? options.Faults != FaultInjection.None;
    }

    private void ResetFaults()
    {
        _probes.Clear();
        _injected.Clear();
        _faultsInjected = 0;
    }

    /// <summary>Appends a fault candidate for each parked operation (see the notes); returns how many.</summary>
    private int AddFaultCandidates()
    {
        if (_faults == FaultInjection.None || _faultsInjected >= _maxFaults || _candidates.Count == 0)
        {
            return 0;
        }

        var added = 0;
        foreach (var operation in _live)
        {
            if (operation.State == OperationState.Blocked && operation.PendingFault is null && !operation.Aborting)
            {
                _candidates.Add(-operation.Id);
                added++;
            }
        }

        return added;
    }

    /// <summary>The strategy chose fault candidate <paramref name="candidate"/>: the parked target becomes runnable
    /// with the exception its park will throw.</summary>
    private void InjectFault(int candidate, Operation current)
    {
        var target = _operations[-candidate - 1];
        var interrupt = _faults == FaultInjection.Interrupt;
        Exception fault = interrupt
            ? new ThreadInterruptedException($"Injected by the explorer into {target} while it was parked in {target.WaitOperation}.")
            : new InjectedFaultException($"Injected by the explorer into {target} while it was parked in {target.WaitOperation}.");
        _injected.Add(fault);
        _faultsInjected++;
        target.PendingFault = fault;
        target.ParkResult = false;
        target.State = OperationState.Runnable;
        if (target.ParkTimeout is { } timeout)
        {
            _timers.Remove(timeout);
            target.ParkTimeout = null;
        }

        Log(new LogEntry(interrupt ? LogEvent.InjectInterrupt : LogEvent.InjectException, default, current.Id, target.Id,
            target.WaitResource, target.WaitOperation, _now));
    }

    /// <summary>In a resumed park: throws the fault injected while it was parked, if any.</summary>
    private static void ThrowPendingFault(Operation current)
    {
        if (current.PendingFault is { } fault)
        {
            current.PendingFault = null;
            throw fault;
        }
    }

    /// <summary>Whether <paramref name="exception"/> is one this iteration injected (or only wraps such ones).</summary>
    private bool IsInjected(Exception exception) =>
        _injected.Contains(exception)
        || (exception is AggregateException aggregate && aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsInjected));

    /// <summary>Checks every probe of the iteration; returns the first broken invariant, named, or <see langword="null"/>.</summary>
    private string? CheckProbes()
    {
        if (!_checkInvariants || _probes.Count == 0)
        {
            return null;
        }

        var names = BuildNames();
        foreach (var probe in _probes)
        {
            if (probe.CheckQuiescent() is { } broken)
            {
                return $"{probe.Kind} {names[probe.Address]}: {broken}";
            }
        }

        return null;
    }
}
