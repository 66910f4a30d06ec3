using System.Threading.Tasks.Sources;
using PinSync.Internal;

namespace PinSync;

/// <summary>
/// The <see cref="ValueTask"/> a queued <see cref="WaitQueue"/> wait hands out: a pooled source in front of the wait
/// loop (a pooled async method, <see cref="RawWaitQueue"/>'s <c>WaitAsyncSlow</c>).
/// </summary>
/// <remarks>
/// Why it exists: the BCL's pooled state-machine box recycles itself whenever its result is read, even when the read
/// throws because the method has not finished (<c>.GetAwaiter().GetResult()</c> on a pending wait: sync-over-async
/// misuse). The wait loop, still suspended on the waiter it awaits, would then resume on a cleared box. This source
/// checks first: reading it early is a clear <see cref="InvalidOperationException"/> that changes nothing, as for
/// every other PinSync wait (<see cref="AsyncWaiter.GetResult(short)"/>). The loop's own box is consumed by
/// <see cref="OnLoopCompleted"/>, exactly once, after it finished. Steady state allocates nothing: sources are pooled
/// like waiters (<see cref="WaiterPool{TWaiter}"/>) and the continuation delegate is made once per source.
/// </remarks>
internal sealed class WaitQueueResult : IValueTaskSource<bool>, IValueTaskSource
{
    private readonly Action _onLoopCompleted;
    private ManualResetValueTaskSourceCore<bool> _core;
    private ValueTask<bool> _loop;

    private WaitQueueResult()
    {
        // The loop completes on a pool thread (a waiter's completion work item), never inside a notify call: its
        // consumer may run inline there.
        _core.RunContinuationsAsynchronously = false;
        _onLoopCompleted = OnLoopCompleted;
    }

    /// <summary>The result of a timed or Try-form wait: <paramref name="loop"/> itself when it has already finished,
    /// otherwise a pooled source that completes with it.</summary>
    internal static ValueTask<bool> Bool(ValueTask<bool> loop)
    {
        if (loop.IsCompleted)
        {
            return loop;
        }

        var result = Start(loop, out var version);
        return new ValueTask<bool>(result, version);
    }

    /// <summary>The result of an untimed wait, whose <see langword="bool"/> is always <see langword="true"/>: a
    /// finished loop is consumed in place (a failed one keeps its exception).</summary>
    internal static ValueTask Void(ValueTask<bool> loop)
    {
        if (loop.IsCompletedSuccessfully)
        {
            _ = loop.Result;
            return default;
        }

        if (loop.IsCompleted)
        {
            return new ValueTask(loop.AsTask()); // canceled or failed at once: rare, and a Task keeps the exception
        }

        var result = Start(loop, out var version);
        return new ValueTask(result, version);
    }

    private static WaitQueueResult Start(ValueTask<bool> loop, out short version)
    {
        var result = WaiterPool<WaitQueueResult>.Rent() ?? new WaitQueueResult();
        result._loop = loop;
        version = result._core.Version; // before the callback is registered: it may complete (and recycle) at once

        // Not inline even if the loop finished meanwhile: the core then queues the callback to the pool.
        loop.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(result._onLoopCompleted);
        return result;
    }

    /// <summary>The loop finished: consume its box (once) and complete this source with its outcome.</summary>
    private void OnLoopCompleted()
    {
        var loop = _loop;
        _loop = default;
        bool ready;
        try
        {
            ready = loop.GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            _core.SetException(exception);
            return;
        }

        // No field is read past this call: its consumer may recycle this source inline.
        _core.SetResult(ready);
    }

    /// <inheritdoc />
    public bool GetResult(short token)
    {
        if (token != _core.Version)
        {
            ThrowHelper.ThrowInvalidOperationException_StaleValueTask();
        }

        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            ThrowHelper.ThrowInvalidOperationException_PendingValueTask(); // the wait goes on and can still be awaited
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            WaiterPool<WaitQueueResult>.TryReturn(this); // a full pool drops it: nothing native to free
        }
    }

    /// <inheritdoc />
    void IValueTaskSource.GetResult(short token) => GetResult(token);

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
