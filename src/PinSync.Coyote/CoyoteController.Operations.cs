using Microsoft.Coyote.Random;
using Microsoft.Coyote.Runtime;
using PinSync.Scheduling;
using CoyotePoint = Microsoft.Coyote.Runtime.SchedulingPoint;

namespace PinSync.Coyote;

/// <summary>Async completions and timers as Coyote controlled operations, and the virtual clock.</summary>
internal sealed partial class CoyoteController
{
    /// <inheritdoc />
    public override void QueueWorkItem(IThreadPoolWorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        StartOperation(static state => ((IThreadPoolWorkItem)state!).Execute(), item, "an async completion");
    }

    /// <inheritdoc />
    public override void RegisterTimer(SchedulingTimer timer, long dueTicks)
    {
        ArgumentNullException.ThrowIfNull(timer);
        AddTimer(dueTicks, timer, parker: null);
    }

    /// <inheritdoc />
    public override bool CancelTimer(SchedulingTimer timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        TimerEntry? entry;
        lock (_lock)
        {
            if (!_timerEntries.TryGetValue(timer, out entry))
            {
                return false;
            }
        }

        return Cancel(entry);
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a new Coyote controlled operation on a thread of the adapter's. Neither
    /// creating nor starting it is a scheduling point (Coyote only records it), so this may run under PinSync's spin
    /// lock; the operation first runs when Coyote's strategy picks it.
    /// </summary>
    private void StartOperation(Action<object?> body, object? state, string what)
    {
        if (Operation.CreateNext() is not { } id)
        {
            // Not under a Coyote test (no runtime attached): run it as production would.
            ThreadPool.UnsafeQueueUserWorkItem(body, state, preferLocal: false);
            return;
        }

        Operation.Start(id);
        var thread = new Thread(() =>
        {
            Operation.OnStarted(id);
            try
            {
                body(state);
            }
            catch (Exception exception) when (!_ending)
            {
                Fail(what, exception);
            }
            catch (Exception)
            {
                // The iteration is over: the operation is being unwound.
            }
            finally
            {
                Operation.OnCompleted();
                Operation.ScheduleNext();
            }
        })
        {
            IsBackground = true,
            Name = "PinSync.Coyote operation",
        };
        thread.Start();
    }

    /// <summary>Registers a timeout at <paramref name="dueTicks"/> and starts the operation that may fire it.</summary>
    private TimerEntry AddTimer(long dueTicks, SchedulingTimer? timer, ParkerState? parker)
    {
        TimerEntry entry;
        lock (_lock)
        {
            entry = new TimerEntry(dueTicks, ++_timerSequence, timer, parker);
            _timers.Add(entry);
            if (timer is not null)
            {
                _timerEntries[timer] = entry;
            }
        }

        StartOperation(state => RunTimer((TimerEntry)state!), entry, "a timer");
        return entry;
    }

    /// <summary>
    /// The body of a timer's operation: at each of its steps Coyote's controlled random choice decides whether the
    /// timeout fires now (virtual time jumps to its due time) or later; between steps the operation yields, so the
    /// strategy runs others first. Ends when the timer fires or is cancelled.
    /// </summary>
    private void RunTimer(TimerEntry entry)
    {
        var random = Generator.Create();
        while (!entry.Done)
        {
            if (random.NextBoolean())
            {
                FireUpTo(entry);
                return;
            }

            CoyotePoint.Yield();
        }
    }

    /// <summary>Fires <paramref name="entry"/> and every pending timer due no later (in due order): time cannot jump
    /// past a timeout without it expiring.</summary>
    private void FireUpTo(TimerEntry entry)
    {
        List<TimerEntry> due = [];
        lock (_lock)
        {
            if (entry.Done)
            {
                return;
            }

            foreach (var pending in _timers)
            {
                if (pending.DueTicks <= entry.DueTicks)
                {
                    due.Add(pending);
                }
            }

            due.Sort(static (a, b) => a.DueTicks != b.DueTicks ? a.DueTicks.CompareTo(b.DueTicks) : a.Sequence.CompareTo(b.Sequence));
            foreach (var pending in due)
            {
                pending.Done = true;
                _timers.Remove(pending);
                if (pending.Timer is not null)
                {
                    _timerEntries.Remove(pending.Timer);
                }
            }

            if (entry.DueTicks > _now)
            {
                Volatile.Write(ref _now, entry.DueTicks);
            }
        }

        foreach (var pending in due)
        {
            if (pending.Parker is { } parker)
            {
                parker.TimedOut = true;
            }
            else
            {
                pending.Timer!.Fire();
            }
        }
    }

    /// <summary>Cancels a pending timer; <see langword="false"/> when it has fired already.</summary>
    private bool Cancel(TimerEntry entry)
    {
        lock (_lock)
        {
            if (entry.Done)
            {
                return false;
            }

            entry.Done = true;
            _timers.Remove(entry);
            if (entry.Timer is not null)
            {
                _timerEntries.Remove(entry.Timer);
            }

            return true;
        }
    }

    /// <summary>A pending timeout: a timed park's or a <see cref="SchedulingTimer"/>'s.</summary>
    private sealed class TimerEntry(long dueTicks, long sequence, SchedulingTimer? timer, ParkerState? parker)
    {
        private volatile bool _done;

        public long DueTicks { get; } = dueTicks;

        public long Sequence { get; } = sequence;

        public SchedulingTimer? Timer { get; } = timer;

        public ParkerState? Parker { get; } = parker;

        public bool Done { get => _done; set => _done = value; }
    }
}
