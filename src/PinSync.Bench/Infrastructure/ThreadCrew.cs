namespace PinSync.Bench.Infrastructure;

/// <summary>
/// A fixed set of dedicated threads that run one round of a body on each <see cref="RunRound"/>, so that contended
/// blocking benchmarks measure the lock and not thread creation. Starting and finishing a round costs two barrier
/// phases, spread over the many acquisitions a round makes.
/// </summary>
internal sealed class ThreadCrew : IDisposable
{
    private readonly Thread[] _threads;
    private readonly Barrier _barrier;
    private readonly Action<int> _body;
    private volatile bool _stopping;

    /// <summary>Starts <paramref name="count"/> threads; each runs <paramref name="body"/>(its index) once per round.</summary>
    internal ThreadCrew(int count, Action<int> body)
    {
        _body = body;
        _barrier = new Barrier(count + 1);
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"crew-{index}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs one round on every thread and returns when all have finished it.</summary>
    internal void RunRound()
    {
        _barrier.SignalAndWait(); // start
        _barrier.SignalAndWait(); // finish
    }

    /// <summary>Stops the threads (after any round in progress).</summary>
    public void Dispose()
    {
        _stopping = true;
        _barrier.SignalAndWait();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _barrier.Dispose();
    }

    private void Loop(int index)
    {
        while (true)
        {
            _barrier.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            _body(index);
            _barrier.SignalAndWait();
        }
    }
}
