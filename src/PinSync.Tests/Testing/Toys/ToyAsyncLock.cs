using PinSync.Scheduling;

namespace PinSync.Tests.Testing.Toys;

/// <summary>
/// A tiny async lock on the internal seam: waiters are completed through <see cref="Seam.QueueWorkItem"/> (never
/// inline) and time out through <see cref="Seam.RegisterTimer"/>. Implementation notes: <see cref="Unlock"/> hands
/// the lock directly to the first waiter (it stays held); a timeout that finds its waiter still queued removes it
/// and completes it with <see langword="false"/>; one that finds it already granted does nothing, so the grant
/// wins. <see cref="LoseGrantOnTimeout"/> breaks exactly that rule (a mutation the explorer must find).
/// </summary>
internal sealed class ToyAsyncLock
{
    private static int s_nextId;

    private readonly Lock _state = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly nint _id = Interlocked.Increment(ref s_nextId) * 16 + 8;
    private bool _held;

    /// <summary>Mutation: a timeout completes its waiter with <see langword="false"/> even after it was granted the
    /// lock, which then stays held forever.</summary>
    internal bool LoseGrantOnTimeout { get; init; }

    internal Task<bool> LockAsync(TimeSpan? timeout = null)
    {
        Seam.Point(SchedulingPointKind.Acquire, _id, "LockAsync");
        Waiter waiter;
        lock (_state)
        {
            if (!_held)
            {
                _held = true;
                return Task.FromResult(true);
            }

            waiter = new Waiter(this);
            waiter.Node = _waiters.AddLast(waiter);
        }

        if (timeout is { } t)
        {
            waiter.HasTimer = true;
            Seam.RegisterTimer(waiter, Seam.NowTicks() + t.Ticks);
        }

        Seam.Point(SchedulingPointKind.Wait, _id, "LockAsync");
        return waiter.Completion.Task;
    }

    internal void Unlock()
    {
        Seam.Point(SchedulingPointKind.Release, _id, "Unlock");
        Waiter? next = null;
        lock (_state)
        {
            if (_waiters.First is { } first)
            {
                next = first.Value;
                _waiters.RemoveFirst();
                next.Granted = true;
            }
            else
            {
                _held = false;
            }
        }

        if (next is not null)
        {
            if (next.HasTimer)
            {
                Seam.CancelTimer(next);
            }

            Seam.Point(SchedulingPointKind.Wake, _id, "handoff");
            Seam.QueueWorkItem(next);
        }
    }

    private void OnTimeout(Waiter waiter)
    {
        bool removed;
        lock (_state)
        {
            removed = waiter.Node!.List is not null;
            if (removed)
            {
                _waiters.Remove(waiter.Node);
            }
        }

        if (removed || LoseGrantOnTimeout)
        {
            waiter.Completion.TrySetResult(false);
        }
    }

    private sealed class Waiter(ToyAsyncLock owner) : SchedulingTimer, IThreadPoolWorkItem
    {
        internal TaskCompletionSource<bool> Completion { get; } = new();

        internal LinkedListNode<Waiter>? Node { get; set; }

        internal bool HasTimer { get; set; }

        internal bool Granted { get; set; }

        public void Execute() => Completion.TrySetResult(true);

        public override string ToString() => "ToyAsyncLock.Waiter";

        protected override void OnFire() => owner.OnTimeout(this);
    }
}
