using PinSync;

namespace BoundedBufferSample;

/// <summary>
/// A bounded FIFO buffer: one <see cref="PinnedMutex{T}"/> owns the queue, and two condition variables say "not
/// full" and "not empty". Producers and consumers may be threads (blocking) or tasks (async) at the same time.
/// </summary>
internal sealed class BoundedBuffer<T> : IDisposable
{
    private readonly PinnedMutex<Queue<T>> _queue = new(new Queue<T>());
    private readonly CondVar _notFull = new();
    private readonly CondVar _notEmpty = new();
    private readonly int _capacity;
    private bool _completed;

    public BoundedBuffer(int capacity) => _capacity = capacity;

    public void Add(T item)
    {
        using var g = _queue.Lock();
        while (g.Value.Count == _capacity)
        {
            _notFull.Wait(g);
        }

        g.Value.Enqueue(item);
        _notEmpty.NotifyOne();
    }

    public async ValueTask AddAsync(T item, CancellationToken cancellationToken = default)
    {
        using var g = await _queue.LockAsync(cancellationToken);
        while (g.Value.Count == _capacity)
        {
            await _notFull.WaitAsync(g, cancellationToken);
        }

        g.Value.Enqueue(item);
        _notEmpty.NotifyOne();
    }

    /// <summary>Takes an item; false once the buffer is completed and drained.</summary>
    public bool TryTake(out T item)
    {
        using var g = _queue.Lock();
        while (g.Value.Count == 0 && !_completed)
        {
            _notEmpty.Wait(g);
        }

        var taken = g.Value.TryDequeue(out item!);
        if (taken)
        {
            _notFull.NotifyOne();
        }

        return taken;
    }

    /// <summary>Takes an item asynchronously; (false, default) once the buffer is completed and drained.</summary>
    public async ValueTask<(bool Taken, T Item)> TryTakeAsync(CancellationToken cancellationToken = default)
    {
        using var g = await _queue.LockAsync(cancellationToken);
        while (g.Value.Count == 0 && !_completed)
        {
            await _notEmpty.WaitAsync(g, cancellationToken);
        }

        var taken = g.Value.TryDequeue(out var item);
        if (taken)
        {
            _notFull.NotifyOne();
        }

        return (taken, item!);
    }

    /// <summary>No more items will be added: wakes every waiting consumer.</summary>
    public void Complete()
    {
        using var g = _queue.Lock();
        _completed = true;
        _notEmpty.NotifyAll();
    }

    public void Dispose()
    {
        _notEmpty.Dispose();
        _notFull.Dispose();
        _queue.Dispose();
    }
}
