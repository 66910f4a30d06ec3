using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PinSync.Scheduling;

/// <summary>
/// The one place where PinSync's primitives yield, park, unpark, read the clock, arm timeouts and complete async
/// waiters. In production it goes straight to the OS; with control enabled and the current thread attached to a
/// <see cref="SchedulingController"/>, it goes to the controller.
/// </summary>
/// <remarks>
/// Implementation notes: <see cref="ControlEnabled"/> is a <see langword="static"/> <see langword="readonly"/>
/// field read from the runtime option <c>PinSync.Scheduling.EnableControl</c>. Tiered compilation turns it into a
/// constant, so in production every controlled branch below disappears and the seam costs nothing. With control
/// enabled (test processes), each call reads one thread-static field.
/// </remarks>
internal static class Seam
{
    /// <summary>The runtime option that opens the seam to a controller.</summary>
    internal const string EnableControlSwitch = "PinSync.Scheduling.EnableControl";

    /// <summary>Seam ticks that stand for "no deadline".</summary>
    internal const long Infinite = long.MaxValue;

    internal static readonly bool ControlEnabled = AppContext.TryGetSwitch(EnableControlSwitch, out var enabled) && enabled;

    private static readonly double s_ticksPerTimestamp = (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency;

    /// <summary>The controller of the current thread, or <see langword="null"/> in production.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SchedulingController? Controller(string what) =>
        ControlEnabled ? SchedulingController.ResolveForSeam(what) : null;

    /// <summary>Whether the current thread's controller is ending the schedule (its parks throw until the end): a
    /// step that would retry after an exception gives up instead.</summary>
    internal static bool ControllerEnding => ControlEnabled && SchedulingController.Current is { IsEnding: true };

    /// <summary>Keeps an interrupt pending for the current thread's next blocking call (one PinSync absorbed in a step
    /// that must not stop halfway): <see cref="Thread.Interrupt"/> in production, the controller's own pending
    /// interrupt under a controller (a real interrupt would hit the controller's thread machinery instead).</summary>
    internal static void RaiseInterrupt()
    {
        if (Controller(nameof(RaiseInterrupt)) is { } controller)
        {
            controller.OnInterruptPending();
        }
        else
        {
            Thread.CurrentThread.Interrupt();
        }
    }

    /// <summary>A scheduling point; no-op in production.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Point(SchedulingPointKind kind, nint resource, string? operation)
    {
        if (ControlEnabled)
        {
            PointSlow(kind, resource, operation);
        }
    }

    /// <summary>A scheduling point; returns whether a controller took it (so the caller skips its production work).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryPoint(SchedulingPointKind kind, nint resource, string? operation) =>
        ControlEnabled && PointSlow(kind, resource, operation);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool PointSlow(SchedulingPointKind kind, nint resource, string? operation)
    {
        if (Controller(nameof(SchedulingPoint)) is { } controller)
        {
            controller.OnSchedulingPoint(kind, resource, operation);
            return true;
        }

        return false;
    }

    /// <summary>
    /// One iteration of a bounded spin loop before parking. Returns <see langword="false"/> when the caller should
    /// stop spinning and park. Under a controller, a spin iteration is a <see cref="SchedulingPointKind.Yield"/> point
    /// and spinning stops at once (the controller explores the park path instead of burning steps).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool SpinOnce(ref int iteration, int limit, nint resource)
    {
        if (ControlEnabled && PointSlow(SchedulingPointKind.Yield, resource, "spin"))
        {
            return false;
        }

        if (iteration >= limit)
        {
            return false;
        }

        // Exponential backoff in the processor; never Thread.Yield/Sleep here: on 2 cores a sleeping spinner
        // costs the owner far less than one that takes its core, and the caller parks once the bound is hit.
        Thread.SpinWait(8 << Math.Min(iteration, 4));
        iteration++;
        return true;
    }

    /// <summary>The parker id of the current thread (positive) or controlled operation (negative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int CurrentParker() =>
        Controller(nameof(CurrentParker)) is { } controller ? controller.CurrentParker : Parker.ForCurrentThread().Id;

    /// <summary>Parks until unparked or <paramref name="deadlineTicks"/>; returns <see langword="false"/> on timeout.
    /// Wakeups may be spurious: callers loop on their own state.</summary>
    internal static bool Park(int parker, long deadlineTicks, nint resource, string? operation)
    {
        if (Controller(nameof(Park)) is { } controller)
        {
            return controller.Park(parker, deadlineTicks, resource, operation);
        }

        Debug.Assert(parker == Parker.ForCurrentThread().Id, "A thread parks only on its own parker.");
        return Parker.ForCurrentThread().Park(deadlineTicks);
    }

    /// <summary>Unparks <paramref name="parker"/>, or leaves a permit for its next park.</summary>
    internal static void Unpark(int parker)
    {
        if (parker < 0)
        {
            // A controlled operation's parker: route to the active controller even from a foreign thread (the
            // controller reports that access as uncontrolled through ResolveForSeam).
            var controller = SchedulingController.ResolveForSeam(nameof(Unpark)) ?? SchedulingController.Active;
            Debug.Assert(controller is not null, "A controlled parker outlived its controller.");
            controller?.Unpark(parker);
            return;
        }

        Parker.FromId(parker)?.Unpark();
    }

    /// <summary>Now, in seam ticks (100 ns, monotonic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long NowTicks() =>
        ControlEnabled && Controller(nameof(NowTicks)) is { } controller ? controller.NowTicks : ProductionNowTicks();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long ProductionNowTicks() => TicksFromTimestamp(Stopwatch.GetTimestamp());

    /// <summary>A <see cref="Stopwatch"/> timestamp in seam ticks (production clock).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long TicksFromTimestamp(long timestamp) => (long)(timestamp * s_ticksPerTimestamp);

    /// <summary>A duration in seam ticks as a <see cref="Stopwatch"/> timestamp difference.</summary>
    internal static long TimestampsFromTicks(long ticks) => (long)(ticks / s_ticksPerTimestamp);

    /// <summary>The absolute deadline for a validated timeout in milliseconds (-1 = <see cref="Infinite"/>).</summary>
    internal static long DeadlineFromMilliseconds(long timeoutMs) =>
        timeoutMs < 0 ? Infinite : NowTicks() + (timeoutMs * TimeSpan.TicksPerMillisecond);

    /// <summary>Queues a work item: to the controller when one drives this thread, else to the thread pool (the local
    /// queue when called from a pool thread, as Task continuations do: no global-queue segment churn, and the item is
    /// stolen by an idle worker if the queuing thread stays busy). Never runs it inline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void QueueWorkItem(IThreadPoolWorkItem item, bool preferLocal = true)
    {
        if (ControlEnabled && Controller(nameof(QueueWorkItem)) is { } controller)
        {
            controller.QueueWorkItem(item);
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal);
    }

    /// <summary>Queues an async waiter's completion as <see cref="QueueWorkItem"/> does, except that inside another
    /// completion it goes to the thread's run-next slot (<see cref="RunNextSlot"/>): it runs on this thread as soon as
    /// the current continuation returns. Never runs it inline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void QueueCompletion(IThreadPoolWorkItem completion, bool preferLocal = true)
    {
        if (ControlEnabled && Controller(nameof(QueueWorkItem)) is { } controller)
        {
            controller.QueueWorkItem(completion);
            return;
        }

        if (preferLocal && RunNextSlot.TryPut(completion))
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(completion, preferLocal);
    }

    /// <summary>Arms <paramref name="timer"/> for <paramref name="dueTicks"/>.</summary>
    internal static void RegisterTimer(SchedulingTimer timer, long dueTicks)
    {
        if (ControlEnabled && Controller(nameof(RegisterTimer)) is { } controller)
        {
            timer.Controller = controller;
            controller.RegisterTimer(timer, dueTicks);
            return;
        }

        timer.Controller = null;
        TimerHeap.Shared.Register(timer, dueTicks);
    }

    /// <summary>Disarms <paramref name="timer"/>; <see langword="false"/> when it has fired or is firing.</summary>
    internal static bool CancelTimer(SchedulingTimer timer)
    {
        // A timer is cancelled where it was registered, whichever thread cancels it.
        if (ControlEnabled && timer.Controller is { } controller)
        {
            return controller.CancelTimer(timer);
        }

        return TimerHeap.Shared.Cancel(timer);
    }
}
