using System.Runtime.InteropServices;
using PinSync.Scheduling;

namespace PinSync.Runtime.Internal;

/// <summary>
/// The request timeouts of one runtime: a coarse sweep instead of one seam timer per request. A request with a finite
/// timeout is linked into one of a few striped FIFO lists when it is sent and unlinked when it completes; one seam
/// timer per runtime ticks every <see cref="ResolutionTicks"/> while any request is linked, fails the requests whose
/// deadline has passed with their timeout, and disarms itself when every list is empty.
/// </summary>
/// <remarks>
/// <para>Why: the per-request timer took the process-wide timer heap's lock twice per call (register, cancel) and
/// cost 25–33 % of throughput. A stripe's lock is uncontended in the common case and its list operations are O(1);
/// the heap sees about one registration per sweep.</para>
/// <para>Clock: a deadline is counted in sweep ticks, not read from a clock. Each tick of the sweep advances
/// <see cref="_epoch"/> by one; a request sent at epoch <c>e</c> is due at epoch <c>e + ceil(timeout / resolution) +
/// 2</c>. So a send reads one field instead of the clock (a clock read cost about half of the sweep's price per call:
/// ~25 ns of ~47 ns here), at the price of one cheap tick per resolution while requests are pending (ten a second
/// for the default 30 s timeout).</para>
/// <para>The ticks keep to a grid (<see cref="NextTick"/>): each is planned one resolution after the one before was
/// planned, not after it ran, so a timer that runs a little late each time does not add up; when the grid has fallen
/// behind (a tick ran more than a resolution late) the next is planned for the moment the late one ran. Before, with
/// each tick armed a resolution after its own run, a 20 ms timeout (2 ms ticks, each about 2.4 ms late here) fired
/// after about 49 ms. Either way a tick is planned at least a resolution after the one before and not before that one
/// ran, so a request that read epoch <c>e</c> just before tick <c>e + 1</c> ran waits at least (due − 2) resolutions
/// from then: the + 2 above (<c>RequestDeadlineScheduleTests</c> simulates it, and finds early timeouts with + 1).</para>
/// <para>Order: every request of a runtime has the same timeout, so appending in send order keeps each list sorted by
/// due epoch, give or take racing senders; a sweep stops at the first head that is not due, and a request out of
/// order fails one tick later. A timeout therefore fires between its deadline and its deadline plus about three
/// <see cref="ResolutionTicks"/> (a tenth of the timeout, at most 100 ms, at least 1 ms) and one tick's lateness.</para>
/// <para>Layout: each stripe's lock and list heads sit on cache lines of their own (<see cref="Stripe"/>). Before,
/// whether stripe 0's lock word shared a line with stripe 1's list heads depended on where a runtime's stripes
/// happened to be allocated, so on two cores (processor ids 0 and 1, stripes 0 and 1) some runtimes paid for false
/// sharing between the two cores' stripes on every call and others did not.</para>
/// <para>Under a scheduling controller (the explorer) requests keep their own seam timer (see
/// <see cref="UsesSweep"/>): the sweep's single timer would otherwise outlive the schedule that armed it.</para>
/// <para>Thread-safety: <see cref="Add"/> and <see cref="Remove"/> run on any thread; a request's link fields are
/// guarded by its stripe's lock. <see cref="_armed"/> goes 0 → 1 by whoever arms the sweep, and back to 0 only in
/// the sweep, which then re-checks the stripes under their locks so an add that raced with the disarm is never left
/// without a sweep.</para>
/// </remarks>
internal sealed class RequestDeadlines : SchedulingTimer
{
    private const long MaxResolutionTicks = 100 * TimeSpan.TicksPerMillisecond;
    private const long MinResolutionTicks = TimeSpan.TicksPerMillisecond;

    private readonly Stripe[] _stripes;
    private readonly int _mask;

    // 0 = no sweep armed, 1 = a sweep is armed or running.
    private int _armed;

    // Sweep ticks so far; written only by the sweep (before it takes the stripes' locks), read by senders under their
    // stripe's lock, so a sender that follows a tick's scan of its stripe sees that tick.
    private long _epoch;

    // How many ticks after its send epoch a request is due: ceil(timeout / resolution) + 2.
    private readonly long _dueAfterEpochs;

    // When the armed tick is planned for, in seam ticks: written by whoever arms the sweep (the winner of _armed's
    // 0 -> 1 swap, or the sweep itself), read by the tick it armed.
    private long _plannedAt;

    internal RequestDeadlines(TimeSpan timeout)
    {
        TimeoutTicks = timeout.Ticks;
        ResolutionTicks = Math.Clamp(timeout.Ticks / 10, MinResolutionTicks, MaxResolutionTicks);
        _dueAfterEpochs = DueAfterEpochs(timeout.Ticks, ResolutionTicks);
        var count = (int)Math.Min(64, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount * 2));
        _stripes = new Stripe[count];
        for (var i = 0; i < count; i++)
        {
            _stripes[i] = new Stripe();
        }

        _mask = count - 1;
    }

    /// <summary>The timeout of every request of the runtime, in seam ticks.</summary>
    internal long TimeoutTicks { get; }

    /// <summary>The sweep's period while requests are pending, in seam ticks; a timeout fires at most about twice this
    /// late.</summary>
    internal long ResolutionTicks { get; }

    /// <summary>Whether requests sent from the current thread go to the sweep (no scheduling controller attached).</summary>
    internal static bool UsesSweep => !ForcePerRequestTimers && (!Seam.ControlEnabled || SchedulingController.Current is null);

    /// <summary>Gives every request its own seam timer again (the behaviour before the sweep); only for the runtime
    /// A/B benchmark (<c>PinSync.Bench --ab-runtime</c>), which compares both in one process.</summary>
    internal static bool ForcePerRequestTimers { get; set; }

    /// <summary>Links <paramref name="request"/> with its deadline and makes sure a sweep is armed.</summary>
    internal void Add(Request request)
    {
        var stripe = _stripes[Thread.GetCurrentProcessorId() & _mask];
        bool arm;
        using (stripe.Acquire())
        {
            // The due epoch, not a time (see remarks).
            request.DueTicks = Volatile.Read(ref _epoch) + _dueAfterEpochs;
            request.DeadlineStripe = stripe;
            var tail = stripe.Tail;
            request.DeadlinePrevious = tail;
            request.DeadlineNext = null;
            if (tail is null)
            {
                stripe.Head = request;
            }
            else
            {
                tail.DeadlineNext = request;
            }

            stripe.Tail = request;

            // Read under the stripe's lock, which orders it against the sweep's disarm: the sweep clears _armed and
            // then takes every stripe's lock to look for requests (AnyPending), so either it sees this request or
            // this read sees 0. No fence of its own on the hot path.
            arm = Volatile.Read(ref _armed) == 0;
        }

        if (arm && Interlocked.CompareExchange(ref _armed, 1, 0) == 0)
        {
            Arm(Seam.NowTicks() + ResolutionTicks);
        }
    }

    /// <summary>How many sweep ticks after its send epoch a request with <paramref name="timeoutTicks"/> is due (see
    /// remarks).</summary>
    internal static long DueAfterEpochs(long timeoutTicks, long resolutionTicks) =>
        ((timeoutTicks + resolutionTicks - 1) / resolutionTicks) + 2;

    /// <summary>When the tick after one planned for <paramref name="planned"/> is planned for, decided at
    /// <paramref name="now"/> (after that tick ran): one resolution later on the grid, or now if the grid is behind.
    /// Never before <paramref name="now"/>, never less than <paramref name="resolution"/> after
    /// <paramref name="planned"/>.</summary>
    internal static long NextTick(long planned, long now, long resolution) => Math.Max(planned + resolution, now);

    private void Arm(long at)
    {
        _plannedAt = at;
        Seam.RegisterTimer(this, at);
    }

    /// <summary>Unlinks <paramref name="request"/> if it is still linked (it completed before its deadline).</summary>
    /// <returns><see langword="true"/> when this call unlinked it: the sweep will never touch it again;
    /// <see langword="false"/> when the sweep took it first and will (or did) call <see cref="SchedulingTimer.Fire"/>
    /// on it — a pooled request stays out of the pool until that call has returned.</returns>
    internal static bool Remove(Request request)
    {
        if (Volatile.Read(ref request.DeadlineStripe) is not { } stripe)
        {
            return false;
        }

        using (stripe.Acquire())
        {
            if (request.DeadlineStripe is null)
            {
                // The sweep took it first.
                return false;
            }

            Unlink(stripe, request);
            return true;
        }
    }

    private static void Unlink(Stripe stripe, Request request)
    {
        var previous = request.DeadlinePrevious;
        var next = request.DeadlineNext;
        if (previous is null)
        {
            stripe.Head = next;
        }
        else
        {
            previous.DeadlineNext = next;
        }

        if (next is null)
        {
            stripe.Tail = previous;
        }
        else
        {
            next.DeadlinePrevious = previous;
        }

        request.DeadlinePrevious = null;
        request.DeadlineNext = null;
        Volatile.Write(ref request.DeadlineStripe, null);
    }

    /// <summary>The sweep: one tick; fails what is due, then re-arms one resolution ahead or disarms.</summary>
    protected override void OnFire()
    {
        // Before the stripes' locks (see _epoch).
        var epoch = Interlocked.Increment(ref _epoch);
        List<Request>? due = null;
        var pending = false;
        foreach (var stripe in _stripes)
        {
            using (stripe.Acquire())
            {
                while (stripe.Head is { } head && head.DueTicks <= epoch)
                {
                    Unlink(stripe, head);
                    (due ??= []).Add(head);
                }

                pending |= stripe.Head is not null;
            }
        }

        // Outside the stripes' locks: a timeout completes the caller and cancels the grain's token (user callbacks).
        // A request taken here stays out of its pool until its Fire has returned (Remove returned false to its
        // completer), so the sweep never fires a reused request.
        if (due is not null)
        {
            foreach (var request in due)
            {
                request.Fire();
            }
        }

        if (!pending)
        {
            Volatile.Write(ref _armed, 0);

            // An Add that ran after the scan above saw _armed == 1 and did not arm: look again, under the stripes'
            // locks (see Add).
            if (!AnyPending() || Interlocked.CompareExchange(ref _armed, 1, 0) != 0)
            {
                return;
            }
        }

        Arm(NextTick(_plannedAt, Seam.NowTicks(), ResolutionTicks));
    }

    /// <summary>How many requests wait for their deadline (a snapshot; for tests).</summary>
    internal int PendingCount
    {
        get
        {
            var count = 0;
            foreach (var stripe in _stripes)
            {
                using (stripe.Acquire())
                {
                    for (var request = stripe.Head; request is not null; request = request.DeadlineNext)
                    {
                        count++;
                    }
                }
            }

            return count;
        }
    }

    private bool AnyPending()
    {
        foreach (var stripe in _stripes)
        {
            using (stripe.Acquire())
            {
                if (stripe.Head is not null)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => "GrainRuntime.RequestDeadlines";

    /// <summary>One FIFO list of pending requests with its own spin lock, padded to cache lines of its own.</summary>
    /// <remarks>
    /// <para>A spin lock, not <see cref="Lock"/>: the critical sections are a few stores long, and release is one
    /// plain store instead of an interlocked one. A contended acquire spins with <see cref="SpinWait"/>, which yields
    /// and then sleeps, so a holder that lost its core still gets to finish.</para>
    /// <para>Layout: explicit, so the hot fields have 64 bytes of this object on each side and share a cache line
    /// with nothing else. Padding fields after them did not do that: the runtime lays out a class's reference fields
    /// first, then the longs, then the int, so the lock word sat at the object's end next to the following object's
    /// header, and whether the two shared a line depended on where the runtime happened to be allocated.</para>
    /// </remarks>
    [StructLayout(LayoutKind.Explicit, Size = (2 * PaddingBytes) + 24)]
    internal sealed class Stripe
    {
        private const int PaddingBytes = 64;

        [FieldOffset(PaddingBytes)]
        internal Request? Head;

        [FieldOffset(PaddingBytes + 8)]
        internal Request? Tail;

        // 0 = free, 1 = held.
        [FieldOffset(PaddingBytes + 16)]
        private int _held;

        /// <summary>Takes the lock; dispose the result to release it.</summary>
        internal Scope Acquire()
        {
            if (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
            {
                AcquireContended();
            }

            return new Scope(this);
        }

        private void AcquireContended()
        {
            var spinner = default(SpinWait);
            do
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            while (Volatile.Read(ref _held) != 0 || Interlocked.CompareExchange(ref _held, 1, 0) != 0);
        }

        /// <summary>Holds a stripe's lock until disposed.</summary>
        internal readonly ref struct Scope
        {
            private readonly Stripe _stripe;

            internal Scope(Stripe stripe) => _stripe = stripe;

            /// <summary>Releases the lock.</summary>
            public void Dispose() => Volatile.Write(ref _stripe._held, 0);
        }
    }
}
