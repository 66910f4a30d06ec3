using System.Threading.Tasks.Sources;

namespace PinSync.Runtime.Internal;

/// <summary>
/// The caller's continuation when the caller is a grain: posted to its activation's turn queue by the request itself,
/// without the 32 B <c>TupleSlim</c> that <see cref="ManualResetValueTaskSourceCore{TResult}"/> allocates for every
/// post to a captured <see cref="SynchronizationContext"/> (issue 15 item 6: bytes per grain → grain call).
/// </summary>
/// <remarks>
/// <para>Taken only for an await that does not flow the execution context itself (<c>UnsafeOnCompleted</c>: every
/// <c>async</c> method's await, and the runtime's own <c>FinishInTurn</c>) and whose scheduling context is an
/// <see cref="ActivationScheduler"/>, which the core would pick too (a <see cref="SynchronizationContext"/> of a
/// derived type comes before <see cref="TaskScheduler.Current"/>). The core then holds <see cref="s_post"/> without a
/// context: on completion it runs it inline on the completer's thread, which posts to the caller's scheduler — the same
/// one post, through the same <see cref="ActivationScheduler.Post"/> (a controlled operation under the explorer), as
/// the core's own path.</para>
/// <para>The continuation and its state live in the pooled request: one await per call (the await-once rule), and
/// the caller's hold keeps the object out of the pool until the continuation has called <c>GetResult</c>, which it
/// does only after <see cref="s_run"/> has read and cleared them.</para>
/// <para>An <c>OnCompleted</c> that finds the call completed already is handed straight to the scheduler. If the
/// call completes between that check and the core's registration, the core queues <see cref="s_post"/> to the thread
/// pool, which then posts: correct, one hop slower, and impossible under the explorer (one operation runs at a
/// time).</para>
/// </remarks>
internal abstract partial class Request<TResult>
{
    private static readonly SendOrPostCallback s_run = static state =>
    {
        var request = (Request<TResult>)state!;
        var continuation = request._continuation!;
        var continuationState = request._continuationState;
        request._continuationScheduler = null;
        request._continuation = null;
        request._continuationState = null;

        // Calls GetResult, after which the object may be recycled.
        continuation(continuationState);
    };

    private static readonly Action<object?> s_post = static state =>
    {
        var request = (Request<TResult>)state!;
        request._continuationScheduler!.Post(s_run, request);
    };

    // The grain caller's continuation while it waits to be posted (see remarks).
    private ActivationScheduler? _continuationScheduler;
    private Action<object?>? _continuation;
    private object? _continuationState;

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        CheckToken(token);
        if ((flags & (ValueTaskSourceOnCompletedFlags.UseSchedulingContext | ValueTaskSourceOnCompletedFlags.FlowExecutionContext)) ==
            ValueTaskSourceOnCompletedFlags.UseSchedulingContext &&
            SynchronizationContext.Current is ActivationScheduler scheduler)
        {
            if (_continuation is not null)
            {
                // A second await of the same call while the first still waits: the await-once rule.
                ThrowHelper.ThrowInvalidOperationException_CallConsumed();
            }

            _continuationScheduler = scheduler;
            _continuation = continuation;
            _continuationState = state;
            if (_core.GetStatus(token) != ValueTaskSourceStatus.Pending)
            {
                scheduler.Post(s_run, this);
                return;
            }

            _core.OnCompleted(s_post, this, token, ValueTaskSourceOnCompletedFlags.None);
            return;
        }

        _core.OnCompleted(continuation, state, token, flags);
    }
}
