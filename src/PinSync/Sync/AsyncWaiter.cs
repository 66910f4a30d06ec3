using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;
using PinSync.Internal;
using PinSync.Intrusive;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// The managed half of an awaited wait: a pooled <see cref="IValueTaskSource{TResult}"/> paired, for the duration of
/// one wait, with a <see cref="WaitNode"/> rented from a slab in native memory. The node refers back to it through a
/// GC handle. It is also the wait's timeout (a <see cref="SchedulingTimer"/> in the shared heap) and the work item
/// that completes it, so a contended wait allocates nothing once the pool is warm — with a token and with a timeout
/// too.
/// </summary>
/// <remarks>
/// <para>Implementation notes (who completes a waiter). A wait is linked into its primitive's list under the wait
/// lock. Exactly one party unlinks it, under the same lock, and that party owns completion: a waker (grant or
/// wake), the timeout (<see cref="OnFire"/>), the token's callback (<see cref="OnCanceled"/>) or the primitive's
/// dispose. The owner sets the node's state and queues this object through the seam; <c>Execute</c> then
/// runs on the thread pool (or as a controlled operation), never inline in the waker's call.</para>
/// <para>Registrations before linking: the token and the timer are registered before the node is linked, and the
/// link step (under the wait lock) checks <see cref="IsAbandoned"/>; a cancellation or timeout that fires before the
/// link cannot be lost, and one that fires after finds the node linked and unlinks it.</para>
/// <para>Reuse: <see cref="Finish"/> disarms the timer (waiting for a firing that is already under way) and disposes
/// the token registration (which waits for a running callback), and only then completes the source. The object goes
/// back to the pool in <see cref="GetResult(short)"/>, after its result was consumed; so a callback can never reach a
/// later wait that reuses this object. Each waiter keeps one slab node for its whole life (rented when it is made,
/// returned when the pool drops it): a wait costs no slab round trip.</para>
/// <para>Condition waits (<see cref="BeginRelock"/>): the waiter also owns re-taking the mutex. A wait that ends
/// without a notification (timeout, cancellation, dispose) is not completed at once: the same node queues on the
/// mutex, and the waiter completes with the remembered outcome once it holds the mutex again; a notified wait that
/// is granted the mutex restores the guard's acquisition before completing. No async method wraps the wait.</para>
/// </remarks>
internal unsafe partial class AsyncWaiter : SchedulingTimer, IValueTaskSource<bool>, IValueTaskSource, IThreadPoolWorkItem
{
    private static readonly Action<object?> s_onCanceled = static state => ((AsyncWaiter)state!).OnCanceled();

    private ManualResetValueTaskSourceCore<bool> _core;
    private readonly GCHandle _self;

    // This waiter's node for its whole life (see the remarks).
    private readonly WaitNode* _node;
    private WaitListOps? _ops;
    private nint _primitive;
    private object? _keepAlive;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    // Timer protocol: 0 = none armed, 1 = armed, 2 = has fired (OnFire ran to its end).
    private int _timer;

    // 1 once the timeout fired for this wait (written before the timer unlinks the node).
    private int _timedOut;

    // Completion protocol: 0 = not completing; 1 = inside _core.SetResult/SetException (the continuation may run
    // inline, consume the result and start a new wait); 2 = the result was consumed on another thread during that
    // call, so recycling waits until the call has unwound — otherwise the continuation could rent this very object
    // again while the completion that runs it is still on the stack. A result consumed inline, on the completing
    // thread itself (the common case: no captured context), is marked through t_completing instead, with no atomic
    // instruction on either side.
    private int _completing;

    // The waiter whose completion call (in Finish) is running on this thread, or null; GetResult clears it when the
    // continuation consumed the result inline, and Finish then recycles once the call has unwound.
    [ThreadStatic]
    private static AsyncWaiter? t_completing;

    // Condition waits: who restores the guard's acquisition once the mutex is held again, the acquisition, and the
    // outcome remembered while the mutex is re-taken after a wait that ended without a notification (0 = none).
    private IMutexRelock? _relock;
    private uint _relockToken;
    private int _pendingOutcome;
    private CancellationToken _canceledToken;

    /// <summary>Makes an idle waiter with its node.</summary>
    protected AsyncWaiter()
    {
        // Completion already runs on a pool thread (Execute), so continuations may run inline there; a captured
        // context or scheduler is still honoured by the core.
        _core.RunContinuationsAsynchronously = false;
        _self = GCHandle.Alloc(this, GCHandleType.Normal);

        // SAFETY: the slab hands out a zeroed, detached node at a stable address; it is this waiter's until Drop.
        _node = s_nodes.Rent();
        _node->Waiter = GCHandle.ToIntPtr(_self);
    }

    /// <summary>The node of the current wait.</summary>
    internal WaitNode* Node => _node;

    /// <summary>The object that owns the primitive's memory for the current wait (<see langword="null"/> for a raw
    /// primitive whose memory the caller manages). Read under the wait lock while the node is linked.</summary>
    internal object? KeepAlive => _keepAlive;

    /// <summary>The version of the current wait, for the <see cref="ValueTask"/> handed out.</summary>
    internal short Version => _core.Version;

    /// <summary>Whether the timeout or the token fired before the node was linked: the link step must not link it.</summary>
    internal bool IsAbandoned => Volatile.Read(ref _timedOut) != 0 || _token.IsCancellationRequested;

    /// <summary>The state to finish with when <see cref="IsAbandoned"/>.</summary>
    internal int AbandonState => Volatile.Read(ref _timedOut) != 0 ? WaitNodeState.TimedOut : WaitNodeState.Canceled;

    /// <summary>The waiter a node belongs to.</summary>
    internal static AsyncWaiter FromNode(WaitNode* node) => FromHandle(node->Waiter);

    /// <summary>The waiter a node's <see cref="WaitNode.Waiter"/> handle stands for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AsyncWaiter FromHandle(nint handle) =>
        // SAFETY (type): the handle is only ever made by this class's constructor, for this object (or a subclass).
        Unsafe.As<AsyncWaiter>(GCHandle.FromIntPtr(handle).Target!);

    /// <summary>
    /// Starts a wait: rents and fills a detached node, registers the token and the timeout. The caller then links the
    /// node under the wait lock unless <see cref="IsAbandoned"/>, or gives the waiter back with <see cref="Abort"/>.
    /// </summary>
    internal WaitNode* Begin(WaitListOps ops, nint primitive, object? keepAlive, long deadline, CancellationToken token,
        int count = 1, int flags = 0)
    {
        Debug.Assert(_ops is null, "A pooled waiter is idle.");
        CountWaitStarted();
        _ops = ops;
        _primitive = primitive;
        _keepAlive = keepAlive;
        _token = token;
        _timedOut = 0;

        // SAFETY: the node is this waiter's, detached since its last wait ended (whoever completed that wait unlinked
        // it under the wait lock). The starvation bound's stamp is the primitive's (EnqueueStamp); the clock is read
        // here only while the wait-time histogram is observed.
        var node = _node;
        Debug.Assert(node->Link.Next == null, "An idle waiter's node is detached.");
        node->State = WaitNodeState.Waiting;
        node->Parker = 0;
        node->Count = count;
        node->Flags = flags;
        node->Queue = 0;
        node->Tag = 0;
        node->EnqueuedAt = PinSyncMetrics.WaitTime.Enabled ? Seam.NowTicks() : 0;

        if (token.CanBeCanceled)
        {
            _registration = token.UnsafeRegister(s_onCanceled, this);
        }

        if (deadline != Seam.Infinite)
        {
            _timer = 1;
            Seam.RegisterTimer(this, deadline);
        }

        return node;
    }

    /// <summary>Ends a wait whose node was never linked (acquired at once, or abandoned before linking); returns the
    /// waiter to the pool. Its source was never handed out.</summary>
    internal void Abort()
    {
        Disarm();
        Recycle();
    }

    /// <summary>Makes the current condition wait own the re-lock: on a grant <paramref name="relock"/> restores
    /// acquisition <paramref name="token"/>, and a wait that ends otherwise re-takes the mutex first.</summary>
    internal void BeginRelock(IMutexRelock relock, uint token)
    {
        _relock = relock;
        _relockToken = token;
        _pendingOutcome = 0;
    }

    /// <summary>Runs the completion after the node was unlinked by its owner-of-completion; on a pool thread, also the
    /// completions its continuation queues on the way (<see cref="RunNextSlot"/>).</summary>
    void IThreadPoolWorkItem.Execute()
    {
        if (RunNextSlot.Enter() is not { } slot)
        {
            Complete();
            return;
        }

        try
        {
            Complete();
            slot.DrainRest();
        }
        finally
        {
            slot.Exit();
        }
    }

    private void Complete()
    {
        // SAFETY: the node was unlinked under the wait lock by whoever queued us; nobody else writes it now.
        var state = _node->State;
        if (state == WaitNodeState.Woken)
        {
            state = _ops!.ResolveWoken(_primitive, _node, IsAbandoned ? AbandonState : WaitNodeState.Waiting);
            if (state == WaitNodeState.Waiting)
            {
                return; // Linked again; a later unlink queues us again.
            }
        }

        if (_relock is not null && state != WaitNodeState.Granted && _pendingOutcome == 0)
        {
            // A condition wait that ended without a notification must hold the mutex again before it completes.
            _pendingOutcome = state;
            _canceledToken = _token;
            state = _ops!.Relock(_primitive, _node);
            if (state == WaitNodeState.Waiting)
            {
                return; // Queued on the mutex; the unlock that picks us queues us again.
            }
        }

        Finish(state);
    }

    private void Finish(int state)
    {
        if (state == WaitNodeState.Granted && _node->EnqueuedAt != 0)
        {
            PinSyncMetrics.RecordWait(_ops!.Name, _node->EnqueuedAt);
        }

        if (Seam.ControlEnabled && state == WaitNodeState.Granted)
        {
            SemaphoreLedger.Acquired(_keepAlive); // a semaphore's permit handed to its awaiting caller (probe ledger)
        }

        // Disarm clears the wait's fields: keep what the exceptions report.
        var token = _pendingOutcome != 0 ? _canceledToken : _token;
        var ops = _ops; // its name, for a disposed wait's exception (a virtual call only that path pays)
        if (_relock is { } relock)
        {
            if (state == WaitNodeState.Granted)
            {
                // Holding the mutex again: the guard's acquisition goes on; report what ended the wait.
                relock.RestoreToken(_relockToken);
                state = _pendingOutcome != 0 ? _pendingOutcome : WaitNodeState.Granted;
            }
        }

        Disarm();
        Volatile.Write(ref _completing, 1);
        var outer = t_completing;
        t_completing = this;
        switch (state)
        {
            case WaitNodeState.Granted:
                _core.SetResult(true);
                break;
            case WaitNodeState.TimedOut:
                _core.SetResult(false);
                break;
            case WaitNodeState.Canceled:
                _core.SetException(new OperationCanceledException(token));
                break;
            default:
                Debug.Assert(state == WaitNodeState.Disposed, $"Unexpected final state {state}.");
                _core.SetException(new ObjectDisposedException(ops?.Name ?? "primitive"));
                break;
        }

        // No field of this object may be read past this point unless it is still ours: a result consumed on another
        // thread (state 2) leaves the recycling to us, one consumed inline cleared t_completing.
        var consumedInline = t_completing is null;
        t_completing = outer;
        if (consumedInline)
        {
            _completing = 0;
            Recycle(); // consumed inline by the continuation: recycle now that the completion has unwound
        }
        else if (Interlocked.Exchange(ref _completing, 0) == 2)
        {
            Recycle(); // consumed on another thread during the call: the same
        }
    }

    /// <summary>Quiesces every callback of the current wait and gives the node back.</summary>
    private void Disarm()
    {
        if (_timer == 1 && !Seam.CancelTimer(this))
        {
            // The timer fired and its callback may still run: wait for its end (a few instructions away; under the
            // explorer the callback runs to its end within one step, so this loop only yields).
            while (Volatile.Read(ref _timer) != 2)
            {
                SchedulingPoint.Yield();
            }
        }

        _timer = 0;
        _registration.Dispose();
        _registration = default;
        _token = default;

        // The node is unlinked and no callback can reach it any more (timer disarmed, registration disposed): it stays
        // with this waiter for its next wait.
        CountWaitEnded();

        // Every wait ends here (Finish or Abort): a condition wait's re-lock must not follow the waiter into the pool.
        _relock = null;
        _relockToken = 0;
        _pendingOutcome = 0;
        _canceledToken = default;
        _ops = null;
        _primitive = 0;
        _keepAlive = null;
    }

    /// <inheritdoc />
    protected override void OnFire()
    {
        Volatile.Write(ref _timedOut, 1);
        if (_ops!.TryUnlink(_primitive, _node, WaitNodeState.TimedOut))
        {
            Seam.QueueCompletion(this);
        }

        Volatile.Write(ref _timer, 2);
    }

    private void OnCanceled()
    {
        if (_ops!.TryUnlink(_primitive, _node, WaitNodeState.Canceled))
        {
            Seam.QueueCompletion(this);
        }
    }

    /// <inheritdoc />
    public bool GetResult(short token)
    {
        if (token != _core.Version)
        {
            // A ValueTask awaited twice: the source already serves another wait, which must not be disturbed.
            ThrowHelper.ThrowInvalidOperationException_StaleValueTask();
        }

        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            // Read before completion (.GetAwaiter().GetResult() on a pending wait): the node is still linked, so the
            // waiter must not be recycled. Nothing changes: the wait stays queued and can still be awaited.
            ThrowHelper.ThrowInvalidOperationException_PendingValueTask();
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            // Consumed inside our own completion call (inline on its thread, or elsewhere while it runs): Finish
            // recycles once that call returns.
            if (t_completing == this)
            {
                t_completing = null;
            }
            else if (Interlocked.CompareExchange(ref _completing, 2, 1) != 1)
            {
                Recycle();
            }
        }
    }

    private void Recycle()
    {
        _core.Reset();
        ReturnToPool();
    }

    /// <summary>Gives this idle waiter back to its pool (the shared one; typed waiters keep their own).</summary>
    protected virtual void ReturnToPool() => Return(this);

    /// <summary>A waiter its pool has no room for: frees its handle (or the handle keeps it alive for ever) and gives
    /// its node back to the slab.</summary>
    protected void Drop()
    {
        _self.Free();

        // SAFETY: the waiter is idle: its node is detached and unreachable from any list or callback.
        s_nodes.Return(_node);
    }

    /// <inheritdoc />
    void IValueTaskSource.GetResult(short token) => GetResult(token);

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <inheritdoc />
    public override string ToString() => $"AsyncWaiter({_ops?.Name ?? "idle"})";
}
