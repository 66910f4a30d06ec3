using System.Threading.Channels;

namespace PinSync.Bench.Runtime;

/// <summary>
/// The floor for grain calls: the same work as <see cref="BenchGrain"/> behind a plain actor loop — one unbounded
/// <see cref="Channel{T}"/> per actor, one reader task, one <see cref="TaskCompletionSource{TResult}"/> per call —
/// with no identity, activation, reentrancy rules, call chains, timeouts or backpressure.
/// </summary>
public sealed class ChannelActor : IAsyncDisposable
{
    private readonly Channel<(int Value, TaskCompletionSource<int> Reply)> _mailbox =
        Channel.CreateUnbounded<(int, TaskCompletionSource<int>)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Task _loop;
    private int _total;

    public ChannelActor() => _loop = Task.Run(RunAsync);

    public Task<int> Add(int value)
    {
        var reply = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _mailbox.Writer.TryWrite((value, reply));
        return reply.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _mailbox.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var reader = _mailbox.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var message))
            {
                message.Reply.SetResult(_total += message.Value);
            }
        }
    }
}
