using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace PinSync.Runtime.Internal;

// Ownership protocol of a pooled grain call (read this before touching Request<TResult>).
//
// One request object serves many calls, one after the other. A call begins when the object is rented (Rent) and
// ends when the last of its holders lets go; only then is the object reset and returned to its pool
// (Microsoft.Extensions.ObjectPool, see RequestPoolPolicy). The holders of one call, counted in _holds:
//
//   caller      the awaiter of the ValueTask. Ends in GetResult, after the answer has been read. A caller that
//               never awaits never ends it: the object is then left to the GC, never reused (safe direction).
//   completer   whoever won the completed bit (result, grain exception, timeout, caller cancellation, queue full,
//               deadlock report, shutdown). Ends at the end of Execute, after ManualResetValueTaskSourceCore has
//               signalled: a caller that polls the status and consumes early must not let the object be reset
//               while the core's SignalCompletion still runs on the completer's thread.
//   activation  the runtime's transport: the post to the activation's turn queue, its waiting queue, its running
//               list, a forward to a newer activation. Ends in Request.Release, called exactly once per send by
//               whoever drops the request for good (FinishCore after it ran, Discard, Reject, a failed forward, a
//               disposed runtime); a forwarder that sends it on keeps the hold.
//   deadline    only with a finite timeout: the sweep's list (or, under the explorer, the request's own seam
//               timer). When Disarm unlinks the request (or cancels the timer) before it fired, it ends with the
//               completer's hold (one interlocked step at the end of Execute); otherwise at the end of OnFire, the
//               one call the sweep (or the timer) still makes.
//   token       only with a cancelable caller token: the registration. When Unregister says the callback will
//               never run, it ends with the completer's hold; otherwise at the end of the callback (which is
//               running or has run).
//
// Holders that can outlive a call without holding it check that the object still serves their call before they
// trust it. A deadlock probe travelling between activations names the call by (request, Generation): the
// generation moves on when the object is recycled, and TryClaim compares it in the same compare-and-swap that
// takes the completed bit, so a stale report can never complete a later call. A CallChainNode flowing in an
// ExecutionContext that grain code captured is itself the identity of one run: the request names it in RunNode
// until Recycle clears that (first thing, see EndRuns), and the hop's data (activation, caller) is read from the
// request and trusted only if RunNode still names the node afterwards (see CallChainNode).
//
// Awaiting: the BCL ValueTask rule (await once; ValueTask.Preserve() or AsTask() to await more). The token is the
// core's version; GetResult marks the call consumed, so a second await of the same ValueTask throws
// InvalidOperationException at once, and an await of a recycled call (the version moved on) throws the same.
internal abstract partial class Request<TResult>
{
    private const int CallerHold = 1;
    private const int CompleterHold = 1;
    private const int ActivationHold = 1;

    // Bit 0: the caller has its answer (set once per call, by TryClaim). Bits 1-31: the generation, which moves on
    // each time the object is recycled (wraps after 2^31 uses of one object).
    private int _state;

    // The holders of the current call (see the protocol above); the object is recycled when this reaches 0.
    private int _holds;

    // Set by GetResult; a second GetResult of the same call throws.
    private bool _consumed;

    /// <inheritdoc />
    internal override int Generation => Volatile.Read(ref _state) >> 1;

    /// <inheritdoc />
    internal override bool IsCompleted => (Volatile.Read(ref _state) & 1) != 0;

    /// <summary>Takes the completed bit of call <paramref name="generation"/>; <see langword="false"/> when the call
    /// is completed already or the object has moved on to a later call.</summary>
    private bool TryClaim(int generation)
    {
        var open = generation << 1;
        return Interlocked.CompareExchange(ref _state, open | 1, open) == open;
    }

    /// <inheritdoc />
    internal override void Release() => ReleaseHold();

    /// <summary>Ends one hold of the current call; the last one recycles the object.</summary>
    private void ReleaseHold() => ReleaseHolds(1);

    /// <summary>Ends <paramref name="count"/> holds of the current call at once (one interlocked operation).</summary>
    private void ReleaseHolds(int count)
    {
        var left = Interlocked.Add(ref _holds, -count);
        Debug.Assert(left >= 0, "A hold of a pooled request was released twice.");
        if (left == 0)
        {
            Recycle();
        }
    }

    /// <summary>Nobody can reach the call any more: forget it and return the object to its pool.</summary>
    private void Recycle()
    {
        Debug.Assert(IsCompleted, "A request is recycled only after its caller had the answer.");
        Debug.Assert(DeadlineStripe is null && DeadlinePrevious is null && DeadlineNext is null, "Recycled while linked to the sweep.");

        // First: chain nodes of this call read as finished before any field of it changes (CallChainNode).
        EndRuns();
        _core.Reset();
        _result = default;
        _exception = null;
        _disarmedHolds = 0;
        _grainCancellation = null;
        _callerRegistration = default;
        _callerToken = default;
        _timeout = default;
        _target = null;
        _consumed = false;
        Hops = 0;
        CallerChain = null;
        ClearCall();

        // The next call is a new generation, not completed. Published before the object can be rented again.
        Volatile.Write(ref _state, ((_state >> 1) + 1) << 1);
        ReturnToPool();
    }

    /// <summary>Forgets what the subclass kept of the call (its arguments, its method).</summary>
    private protected abstract void ClearCall();

    /// <summary>Hands the object back to the pool it was rented from (or drops it when pooling is off).</summary>
    private protected abstract void ReturnToPool();

    /// <inheritdoc />
    public TResult GetResult(short token)
    {
        CheckToken(token);
        if (_consumed)
        {
            ThrowHelper.ThrowInvalidOperationException_CallConsumed();
        }

        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            ThrowHelper.ThrowInvalidOperationException_CallNotCompleted();
        }

        _consumed = true;
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            // After the answer was read: the caller's hold.
            ReleaseHold();
        }
    }

    /// <inheritdoc />
    void IValueTaskSource.GetResult(short token) => GetResult(token);

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token)
    {
        CheckToken(token);
        return _core.GetStatus(token);
    }


    private void CheckToken(short token)
    {
        if (token != _core.Version)
        {
            ThrowHelper.ThrowInvalidOperationException_CallConsumed();
        }
    }
}
