using System.Runtime.CompilerServices;

namespace PinSync.Scheduling;

/// <summary>
/// A pool thread's run-next slot (Go's <c>runnext</c>, tokio's LIFO slot): while the thread runs an async waiter's
/// completion — and the continuation that completion runs inline — the first completion that continuation queues is
/// kept here instead of going to the thread pool, and runs on the same thread as soon as the continuation returns.
/// A handoff between two tasks (a condition-variable ping-pong, a semaphore pair, a producer waking a consumer) then
/// costs no thread-pool round trip and no worker wake-up.
/// </summary>
/// <remarks>
/// <para>Bounds. The thread runs at most <see cref="Budget"/> completions in a row this way; what is left goes to its
/// local queue. A completion is never stuck here: a thread that parks in a PinSync blocking wait first moves its slot
/// to the thread pool (<see cref="FlushCurrent"/>), and the rescue (<see cref="RunNextRescue"/>) moves any completion
/// left in a slot for more than a millisecond or two — a continuation that runs long, or blocks outside PinSync — to
/// the thread pool, where any worker can run it (the delay a waiter can see from this slot: about two ticks; the tick
/// is a <see cref="Timer"/> callback, so it is as coarse as the platform's timer — 1 ms on Linux, the timer resolution
/// on Windows, 15.6 ms by default — and, like any work item, late when the pool is starved).</para>
/// <para>Only waiter completions use the slot (<see cref="Seam.QueueCompletion"/>); other seam work items (the mutex's
/// exit check, the grain runtime's turns) go to the thread pool as before. Between the completions it runs, a drain
/// restores the execution and synchronization contexts, as the pool's dispatch loop does; a continuation that changes
/// its thread's priority or name and does not change it back leaves that to the completions run after it.</para>
/// <para>Ownership. Only the owning thread puts (into an empty slot); the owner's drain and the rescue both take with
/// an atomic exchange or compare-and-swap, so each completion runs exactly once. A put is a full fence followed by a
/// read of the rescue's armed flag, and the rescue's disarm is a write of that flag, a full fence and a re-scan
/// (Dekker): a put is either seen by the re-scan or arms the rescue itself.</para>
/// <para>Never under a controller: a controlled operation's completion does not open the slot, and the explorer and the
/// Coyote adapter receive every completion through the seam (<see cref="Seam.QueueCompletion"/> asks the controller
/// first), so the interleavings they explore are unchanged. Threads no controller drives use it even in a process with
/// control enabled (a test host), so the tests run the production path.</para>
/// </remarks>
internal sealed class RunNextSlot
{
    /// <summary>Completions a thread runs from its slot in a row before the rest goes to the thread pool.</summary>
    internal const int Budget = 32;

    /// <summary>The <see cref="AppContext"/> switch that turns the slot off for the process (every completion then
    /// goes to the thread pool): <c>&lt;RuntimeHostConfigurationOption Include="PinSync.DisableRunNextSlot"
    /// Value="true" /&gt;</c> in the project file, or <c>AppContext.SetSwitch</c> before the first wait.</summary>
    internal const string DisableSwitch = "PinSync.DisableRunNextSlot";

    // Whether completions queued inside a completion use the slot: the switch above, and the experiment switch of
    // interleaved A/B runs (PinSync.Bench --variant no-runnext) and of the tests' twins.
    internal static volatile bool s_enabled = !(AppContext.TryGetSwitch(DisableSwitch, out var disabled) && disabled);

    [ThreadStatic]
    private static RunNextSlot? t_current;

    private IThreadPoolWorkItem? _item;

    // Puts so far (owner writes; the rescue reads it to tell a completion that sat for a whole tick from a new one).
    private int _puts;

    // What the rescue saw at its last tick (tick only).
    private IThreadPoolWorkItem? _seenItem;
    private int _seenPuts;

    // Whether the owner is inside a completion and drains the slot when it returns, and the ambient state to restore
    // between the completions it runs (owner only).
    private bool _active;
    private bool _fromSlot;
    private ExecutionContext? _context;
    private SynchronizationContext? _syncContext;

    private RunNextSlot(Thread owner) => Owner = owner;

    /// <summary>The thread this slot belongs to (the rescue prunes slots of threads that have ended).</summary>
    internal Thread Owner { get; }

    /// <summary>The completion waiting in the slot, for the rescue (a snapshot).</summary>
    internal IThreadPoolWorkItem? Item => Volatile.Read(ref _item);

    /// <summary>The number of puts so far, for the rescue (a snapshot).</summary>
    internal int Puts => Volatile.Read(ref _puts);

    /// <summary>Tests: whether the current thread is running a completion it took from its own slot.</summary>
    internal static bool RunningFromSlot => t_current is { _active: true, _fromSlot: true };

    /// <summary>Keeps <paramref name="item"/> in the current thread's slot when that thread is running a completion
    /// and its slot is empty; otherwise returns <see langword="false"/> and the caller queues it as usual.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryPut(IThreadPoolWorkItem item)
    {
        var slot = t_current;
        if (slot is null || !slot._active || slot._item is not null)
        {
            return false;
        }

        slot.Put(item);
        return true;
    }

    /// <summary>
    /// Called by a completion about to run on a pool thread: opens the thread's slot and returns it, or returns
    /// <see langword="null"/> inside an outer completion's drain, with the slot switched off, or when a controller
    /// drives this thread (then the completion just runs). The caller runs its completion, then <see cref="DrainRest"/>, and always
    /// <see cref="Exit"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static RunNextSlot? Enter()
    {
        var slot = t_current;
        if (slot is { _active: true } || !s_enabled || (Seam.ControlEnabled && SchedulingController.ControlsCurrentThread))
        {
            return null;
        }

        slot ??= Create();

        // The ambient state the pool thread started this work item with: restored between the completions run here,
        // as the pool's dispatch loop resets it between work items.
        slot._context = ExecutionContext.Capture();
        slot._syncContext = SynchronizationContext.Current;
        slot._active = true;
        return slot;
    }

    /// <summary>Runs the completions put in the slot since <see cref="Enter"/>, up to <see cref="Budget"/>, each
    /// with the ambient state restored.</summary>
    internal void DrainRest()
    {
        for (var budget = Budget; budget > 0 && Volatile.Read(ref _item) is not null; budget--)
        {
            if (Take() is not { } next)
            {
                return; // the rescue took it
            }

            RestoreAmbient();
            _fromSlot = true; // until Exit
            next.Execute(); // inside this drain, so it runs only itself
        }
    }

    /// <summary>Closes the slot; what is left in it (over budget, or after an exception) goes to this thread's
    /// local queue.</summary>
    internal void Exit()
    {
        _active = false;
        _fromSlot = false;
        _context = null;
        _syncContext = null;
        if (Volatile.Read(ref _item) is not null && Take() is { } rest)
        {
            ThreadPool.UnsafeQueueUserWorkItem(rest, preferLocal: true);
        }
    }

    /// <summary>Moves the current thread's pending completion, if any, to the thread pool: called before the thread
    /// blocks, so that the completion it holds is not what it waits for.</summary>
    internal static void FlushCurrent()
    {
        if (t_current is { } slot && Volatile.Read(ref slot._item) is not null && slot.Take() is { } item)
        {
            ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
        }
    }

    /// <summary>The rescue: records what the slot held at this tick (tick only).</summary>
    internal void Seen(IThreadPoolWorkItem? item, int puts)
    {
        _seenItem = item;
        _seenPuts = puts;
    }

    /// <summary>The rescue: whether the slot held the same put of <paramref name="item"/> at the last tick.</summary>
    internal bool SeenBefore(IThreadPoolWorkItem item, int puts) => ReferenceEquals(_seenItem, item) && _seenPuts == puts;

    /// <summary>The rescue: takes <paramref name="seen"/> out of the slot if it is still there.</summary>
    internal bool TrySteal(IThreadPoolWorkItem seen) => Interlocked.CompareExchange(ref _item, null, seen) == seen;

    private static RunNextSlot Create()
    {
        var slot = new RunNextSlot(Thread.CurrentThread);
        RunNextRescue.Register(slot);
        t_current = slot;
        return slot;
    }

    private void Put(IThreadPoolWorkItem item)
    {
        _puts++;

        // A full fence between publishing the item and reading the armed flag (see the remarks).
        Interlocked.Exchange(ref _item, item);
        RunNextRescue.EnsureArmed();
    }

    private IThreadPoolWorkItem? Take() => Interlocked.Exchange(ref _item, null);

    private void RestoreAmbient()
    {
        if (_context is { } context && ExecutionContext.Capture() != context)
        {
            ExecutionContext.Restore(context);
        }

        if (SynchronizationContext.Current != _syncContext)
        {
            SynchronizationContext.SetSynchronizationContext(_syncContext);
        }
    }
}
