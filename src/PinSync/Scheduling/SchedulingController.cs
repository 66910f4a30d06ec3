using System.ComponentModel;
using PinSync.Internal;

namespace PinSync.Scheduling;

/// <summary>
/// A controlled scheduler attached to the scheduling seam: while a thread is attached to a controller, every
/// scheduling point, park, unpark, clock read, timer and async completion of PinSync's primitives on that thread is
/// handed to it instead of to the operating system. The explorer (<c>PinSync.Testing</c>) is the one implementation.
/// </summary>
/// <remarks>
/// <para>
/// Infrastructure for controllers; not meant for application code. Control must be enabled for the process with
/// the runtime option <c>PinSync.Scheduling.EnableControl</c> (read once at start-up, so that production code pays
/// nothing: the check is a <see langword="static"/> <see langword="readonly"/> field the JIT folds away).
/// </para>
/// <para>
/// Parkers: a controller hands out negative parker ids (<see cref="CurrentParker"/>); the production seam uses
/// positive ones. <see cref="Unpark(int)"/> may be called for a parker that is not parked yet; the permit is then
/// kept, and the next <see cref="Park"/> of that parker returns at once (the semantics of a binary semaphore).
/// </para>
/// <para>Time: seam ticks are <see cref="TimeSpan"/> ticks (100 ns) on a monotonic clock.</para>
/// <para>Only one controller may be active in a process at a time (<see cref="Activate"/>).</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class SchedulingController
{
    [ThreadStatic]
    private static SchedulingController? t_current;

    private static SchedulingController? s_active;

    // Set by ActivateForEveryThread: the controller of every thread that is not attached to one (a controller whose
    // operations run on threads it does not create, such as Coyote's).
    private static SchedulingController? s_everyThread;

    // Flows with the ExecutionContext into whatever a controlled operation starts (Task.Run, thread-pool items,
    // real timers), so that such work is recognized as escaping control, while other threads of the process are not.
    private static readonly AsyncLocal<SchedulingController?> s_ambient = new();

    /// <summary>Whether the runtime option <c>PinSync.Scheduling.EnableControl</c> is set in this process.</summary>
    public static bool IsControlEnabled => Seam.ControlEnabled;

    /// <summary>The controller the current thread is attached to (or the controller of every thread, see
    /// <see cref="ActivateForEveryThread"/>), if any.</summary>
    public static SchedulingController? Current => t_current ?? Volatile.Read(ref s_everyThread);

    /// <summary>The controller active in this process, if any.</summary>
    public static SchedulingController? Active => Volatile.Read(ref s_active);

    /// <summary>Makes <paramref name="controller"/> the one active controller of the process.</summary>
    /// <param name="controller">The controller.</param>
    /// <exception cref="InvalidOperationException">Control is not enabled, or another controller is active.</exception>
    public static void Activate(SchedulingController controller)
    {
        ArgumentNullException.ThrowIfNull(controller);
        if (!Seam.ControlEnabled)
        {
            ThrowHelper.ThrowInvalidOperationException_ControlNotEnabled();
        }

        if (Interlocked.CompareExchange(ref s_active, controller, null) is not null)
        {
            throw new InvalidOperationException("Another scheduling controller is already active in this process.");
        }
    }

    /// <summary>
    /// Makes <paramref name="controller"/> the one active controller of the process and the controller of every thread
    /// that is not attached to another one: for a controller whose operations run on threads it does not create (an
    /// engine such as Coyote runs each operation on a thread of its own), so that it cannot attach them one by one.
    /// </summary>
    /// <param name="controller">The controller.</param>
    /// <exception cref="InvalidOperationException">Control is not enabled, or another controller is active.</exception>
    public static void ActivateForEveryThread(SchedulingController controller)
    {
        Activate(controller);
        Volatile.Write(ref s_everyThread, controller);
    }

    /// <summary>Ends <paramref name="controller"/>'s activity in the process (no-op if it is not the active one).</summary>
    /// <param name="controller">The controller.</param>
    public static void Deactivate(SchedulingController controller)
    {
        Interlocked.CompareExchange(ref s_everyThread, null, controller);
        Interlocked.CompareExchange(ref s_active, null, controller);
    }

    /// <summary>Attaches the current thread to <paramref name="controller"/> (or detaches it, with <see langword="null"/>).</summary>
    /// <param name="controller">The controller, or <see langword="null"/>.</param>
    /// <exception cref="InvalidOperationException">Control is not enabled in this process.</exception>
    public static void AttachCurrentThread(SchedulingController? controller)
    {
        if (controller is not null && !Seam.ControlEnabled)
        {
            ThrowHelper.ThrowInvalidOperationException_ControlNotEnabled();
        }

        t_current = controller;
    }

    /// <summary>
    /// Sets the controller of the current execution context: work started from here (and not attached to a
    /// controller) reports its seam use through <see cref="OnUncontrolledAccess"/>.
    /// </summary>
    /// <param name="controller">The controller, or <see langword="null"/> to clear.</param>
    public static void SetAmbient(SchedulingController? controller) => s_ambient.Value = controller;

    /// <summary>The controller of the current thread, or — while a controller is active and the current execution
    /// context came from one of its operations — that controller after it was told of the uncontrolled access.</summary>
    /// <summary>Whether a controller drives the current thread: <see cref="ResolveForSeam"/> without its report of
    /// uncontrolled access.</summary>
    internal static bool ControlsCurrentThread => t_current is not null || Volatile.Read(ref s_everyThread) is not null;

    internal static SchedulingController? ResolveForSeam(string what)
    {
        if (t_current is { } current)
        {
            return current;
        }

        if (Volatile.Read(ref s_everyThread) is { } everyThread)
        {
            return everyThread;
        }

        if (Volatile.Read(ref s_active) is not null && s_ambient.Value is { } ambient)
        {
            ambient.OnUncontrolledAccess(what);
        }

        return null;
    }

    /// <summary>A scheduling point of the current operation: the controller may run another operation first.</summary>
    /// <param name="kind">What happens at this point.</param>
    /// <param name="resource">The address (or identity hash) of the primitive involved, 0 if none.</param>
    /// <param name="operation">A short name of the operation (<c>"LockAsync"</c>), for traces; may be <see langword="null"/>.</param>
    public abstract void OnSchedulingPoint(SchedulingPointKind kind, nint resource, string? operation);

    /// <summary>The parker id of the current operation (negative).</summary>
    public abstract int CurrentParker { get; }

    /// <summary>Blocks the current operation until its parker is unparked or the deadline passes.</summary>
    /// <param name="parker">The current operation's parker id.</param>
    /// <param name="deadlineTicks">The absolute deadline in seam ticks; <see cref="long.MaxValue"/> for none.</param>
    /// <param name="resource">What the operation waits on (address of the primitive), for deadlock reports.</param>
    /// <param name="operation">A short name of the wait, for deadlock reports.</param>
    /// <returns><see langword="true"/> when unparked (or a permit was pending); <see langword="false"/> on timeout.
    /// Callers re-check their own state either way.</returns>
    public abstract bool Park(int parker, long deadlineTicks, nint resource, string? operation);

    /// <summary>Unparks <paramref name="parker"/>, or leaves it a permit if it is not parked.</summary>
    /// <param name="parker">A parker id handed out by <see cref="CurrentParker"/>.</param>
    public abstract void Unpark(int parker);

    /// <summary>The controller's clock, in seam ticks.</summary>
    public abstract long NowTicks { get; }

    /// <summary>Queues an async completion (a waiter's continuation) as a new operation.</summary>
    /// <param name="item">The work item.</param>
    public abstract void QueueWorkItem(IThreadPoolWorkItem item);

    /// <summary>Registers <paramref name="timer"/> to fire at <paramref name="dueTicks"/> on the controller's clock.</summary>
    /// <param name="timer">The timer; not registered already.</param>
    /// <param name="dueTicks">The due time in seam ticks.</param>
    public abstract void RegisterTimer(SchedulingTimer timer, long dueTicks);

    /// <summary>Cancels a registered timer.</summary>
    /// <param name="timer">The timer.</param>
    /// <returns><see langword="true"/> when it was still pending and will not fire; <see langword="false"/> when it
    /// has fired or is firing.</returns>
    public abstract bool CancelTimer(SchedulingTimer timer);

    /// <summary>
    /// Called when the seam is used from a thread that is not attached to any controller while this controller is
    /// active: concurrency the controller does not see (a <c>Task.Run</c>, a real timer, <c>ConfigureAwait(false)</c>
    /// onto the thread pool). The seam then proceeds uncontrolled; a controller reports it.
    /// </summary>
    /// <param name="what">What was done, for the report.</param>
    public virtual void OnUncontrolledAccess(string what)
    {
    }

    /// <summary>
    /// Called when PinSync keeps an interrupt pending for the current operation: one it absorbed (or that was injected)
    /// in a step that must not stop halfway — a condition wait re-taking its mutex, a waker finishing a grant — raised
    /// again for the operation's next blocking call, as <see cref="Monitor.Wait(object)"/> does. The default interrupts
    /// the current thread; a controller whose operations run on its own threads keeps the interrupt itself and throws
    /// <see cref="ThreadInterruptedException"/> from the operation's next park.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public virtual void OnInterruptPending() => Thread.CurrentThread.Interrupt();

    /// <summary>
    /// Whether the controller is ending the current schedule: from now on the current operation's parks throw (the
    /// controller unwinds it). PinSync then stops retrying steps that would otherwise be retried after an exception
    /// (a condition variable re-taking its mutex). Default <see langword="false"/>.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public virtual bool IsEnding => false;

    /// <summary>
    /// Called when an operation of this controller creates a primitive façade (<see cref="PinnedMutex{T}"/>,
    /// <see cref="PinnedSemaphore"/>, <see cref="CondVar"/>, <see cref="WaitQueue"/>), so that the controller can check
    /// its invariants after the schedule. The default ignores it.
    /// </summary>
    /// <param name="probe">The primitive's probe.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public virtual void OnPrimitiveCreated(PrimitiveProbe probe)
    {
    }
}
